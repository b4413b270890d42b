package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.mux.ClosedException;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxStream;
import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.chainmux.endpoint.EndpointTest.await;
import static io.chainmux.endpoint.EndpointTest.failureOf;
import static io.chainmux.testing.Utf8Messages.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The public methods of {@link Endpoint} and {@link PeerConnection}, and the endpoint's listener
 * calls, fed bad arguments, wrong states and wrong threads over real loopback sockets: only the call
 * fails (or only one stream), never the connection or the endpoint (docs/ARCHITECTURE.md, "Failure
 * scope").
 */
class EndpointMisuseTest {

    private static Endpoint start(EndpointListener listener) {
        return start(listener, b -> b);
    }

    private static Endpoint start(EndpointListener listener,
                                  java.util.function.UnaryOperator<EndpointConfig.Builder> tweak) {
        EndpointConfig.Builder b = EndpointConfig.builder(NodeIdentity.generate()).listen("127.0.0.1:0").ioThreads(2)
                .handshakeTimeout(Duration.ofSeconds(5)).shutdownGrace(Duration.ofMillis(200));
        return Endpoint.start(tweak.apply(b).build(), listener);
    }

    private static PeerAddress addressOf(Endpoint ep) {
        return PeerAddress.of(ep.localAddress()).withPeer(ep.config().identity().peerId());
    }

    private static Throwable causeOf(CompletableFuture<?> f) throws Exception {
        try {
            f.get(EndpointTest.WAIT, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure, got " + f.getNow(null));
    }

    /** A stream to {@code echo} that round-trips one message. */
    private static void echoWorks(PeerConnection peer) throws Exception {
        EndpointTest.Collector c = new EndpointTest.Collector();
        MuxStream s = peer.openStream("chain-9/test/1", 1 << 20, 1, c);
        assertThat(s.trySend(text("ping"))).isTrue();
        assertThat(c.next()).isEqualTo("ping");
        s.close();
    }

    // ------------------------------------------------------------------ listener containment

    @Test
    void connectCompletesAndTheConnectionWorksWhenTheListenerThrows() throws Exception {
        EndpointListener throwing = new EndpointListener() {
            @Override
            public void onPeerConnected(PeerConnection peer) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onHandshakeFailed(java.net.SocketAddress remote, HandshakeException failure) {
                throw new IllegalStateException("listener bug");
            }
        };
        try (TestNode echo = new TestNode(); Endpoint ep = start(throwing)) {
            PeerConnection peer = ep.connect(echo.address()).get(EndpointTest.WAIT, TimeUnit.SECONDS);
            echoWorks(peer);
            // and a failed handshake still fails its connect future
            PeerAddress wrongId = PeerAddress.of(echo.endpoint.localAddress()).withPeer(NodeIdentity.generate().peerId());
            assertThat(failureOf(ep.connect(wrongId)).reason()).isEqualTo(HandshakeException.Reason.UNEXPECTED_PEER);
        }
    }

    @Test
    void anOnStreamOpenedThatThrowsCostsThatStreamOnly() throws Exception {
        EndpointListener throwing = new EndpointListener() {
            @Override
            public void onStreamOpened(PeerConnection peer, MuxStream stream) {
                throw new IllegalStateException("listener bug");
            }
        };
        try (Endpoint server = start(throwing); TestNode client = new TestNode()) {
            PeerConnection peer = await(client.endpoint.connect(addressOf(server)));
            EndpointTest.Collector c = new EndpointTest.Collector();
            peer.openStream("chain-9/test/1", 1 << 20, 1, c);
            CloseReason reason = await(c.closed);
            assertThat(reason.code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
            assertThat(reason.remote()).isTrue();
            assertThat(await(peer.ping())).isPositive();
            assertThat(peer.isConnected()).isTrue();
        }
    }

    @Test
    void onPeerDisconnectedRunsOutsideThePeerConnectionsMonitor() throws Exception {
        CompletableFuture<Boolean> heldLock = new CompletableFuture<>();
        EndpointListener probe = new EndpointListener() {
            @Override
            public void onPeerDisconnected(PeerConnection peer, CloseReason reason) {
                heldLock.complete(Thread.holdsLock(peer));
            }
        };
        TestNode target = new TestNode();
        try (Endpoint ep = start(probe, b -> b.stripes(1)
                .reconnect(new Backoff(Duration.ofMillis(5), Duration.ofMillis(10), 1)))) {
            await(ep.connect(target.address()));
            target.close(); // the stripe breaks; the one redial finds nobody listening; the peer is down
            assertThat(heldLock.get(EndpointTest.WAIT, TimeUnit.SECONDS)).as("called under the monitor").isFalse();
        } finally {
            target.close();
        }
    }

    // ------------------------------------------------------------------ connect

    @Test
    void aFailedConnectLeavesNoRedialBehind() throws Exception {
        // A socket that takes TCP connections and never answers: each dial fails at its handshake
        // deadline, well after connect() returned, so the test sees the peer connection it made.
        try (ServerSocket silent = new ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress());
             Endpoint ep = start(new EndpointListener() {}, b -> b.stripes(1).handshakeTimeout(Duration.ofSeconds(1)))) {
            PeerAddress nobody = PeerAddress.parse("127.0.0.1:" + silent.getLocalPort())
                    .withPeer(NodeIdentity.generate().peerId());
            CompletableFuture<PeerConnection> f = ep.connect(nobody);
            PeerConnection pc = ep.peer(nobody.expectedPeer());
            assertThat(pc).as("made by connect, before any dial").isNotNull();
            assertThat(failureOf(f).reason()).isEqualTo(HandshakeException.Reason.TIMEOUT);
            assertThat(pc.redialPending()).as("a redial left scheduled behind the failed connect").isFalse();
            assertThat(pc.isWanted()).isFalse();
            assertThat(ep.peer(nobody.expectedPeer())).as("kept, with its last failure").isSameAs(pc);
            assertThat(pc.lastFailure()).isNotNull();
            assertThatThrownBy(() -> pc.openStream("chain-9/test/1", 100, 1, new EndpointTest.Collector()))
                    .isInstanceOfSatisfying(ClosedException.class, e -> assertThat(e.connectionLost()).isTrue());
            assertThat(ep.stats().reconnects.sum()).isZero();
        }
    }

    @Test
    void connectRefusesBadArgumentsAndAClosedEndpointByType() throws Exception {
        Endpoint ep = start(new EndpointListener() {});
        assertThatThrownBy(() -> ep.connect(null)).isInstanceOf(NullPointerException.class);
        assertThat(causeOf(ep.connect(addressOf(ep)))).isInstanceOf(HandshakeException.class); // itself
        ep.close();
        ep.close(); // idempotent
        assertThat(causeOf(ep.connect(PeerAddress.parse("127.0.0.1:1")))).isInstanceOfSatisfying(ClosedException.class,
                e -> assertThat(e.closedByUs()).isTrue());
    }

    // ------------------------------------------------------------------ closing

    @Test
    void closeOnAnEventLoopFailsTheCallAndCloseAsyncDoesNotBlock() throws Exception {
        CompletableFuture<Throwable> closeOnLoop = new CompletableFuture<>();
        CompletableFuture<CompletableFuture<Void>> asyncOnLoop = new CompletableFuture<>();
        Endpoint[] self = new Endpoint[1];
        EndpointListener closer = new EndpointListener() {
            @Override
            public void onPeerConnected(PeerConnection peer) {
                try {
                    self[0].close();
                    closeOnLoop.complete(null);
                } catch (RuntimeException e) {
                    closeOnLoop.complete(e);
                }
                asyncOnLoop.complete(self[0].closeAsync());
            }
        };
        try (TestNode echo = new TestNode()) {
            self[0] = start(closer);
            await(self[0].connect(echo.address()));
            assertThat(await(closeOnLoop)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closeAsync");
            await(await(asyncOnLoop));
            assertThat(self[0].peers()).allSatisfy(p -> assertThat(p.isConnected()).isFalse());
        }
    }

    @Test
    void streamCallsAfterTheEndpointClosedFailOnlyThatCall() throws Exception {
        try (TestNode echo = new TestNode()) {
            Endpoint ep = start(new EndpointListener() {});
            PeerConnection peer = await(ep.connect(echo.address()));
            EndpointTest.Collector c = new EndpointTest.Collector();
            MuxStream s = peer.openStream("chain-9/test/1", 1 << 20, 1, c);
            assertThat(s.trySend(text("before"))).isTrue();
            assertThat(c.next()).isEqualTo("before");
            ep.close();
            assertThat(await(c.closed).code()).isEqualTo(ErrorCode.CONNECTION_LOST);
            s.close(); // documented idempotent: threw RejectedExecutionException
            s.close();
            s.reset(ErrorCode.CANCEL);
            s.setWeight(2);
            ByteBuf late = Unpooled.copiedBuffer("late", StandardCharsets.UTF_8);
            assertThatThrownBy(() -> s.trySend(late)).isInstanceOf(ClosedException.class);
            assertThat(late.refCnt()).isZero();
            assertThatThrownBy(() -> s.consumed(10)).as("nothing delivered is unconsumed")
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(causeOf(s.connection().ping())).isInstanceOf(ClosedException.class);
            assertThatThrownBy(() -> peer.openStream("chain-9/test/1", 100, 1, c)).isInstanceOfSatisfying(
                    ClosedException.class, e -> assertThat(e.closedByUs()).isTrue());
            assertThat(causeOf(peer.ping())).isInstanceOf(ClosedException.class);
        }
    }

    // ------------------------------------------------------------------ PeerConnection

    @Test
    void peerConnectionMethodsFailOnlyTheCallOnBadArguments() throws Exception {
        try (TestNode echo = new TestNode(); Endpoint ep = start(new EndpointListener() {})) {
            PeerConnection peer = await(ep.connect(echo.address()));
            EndpointTest.Collector c = new EndpointTest.Collector();
            assertThatThrownBy(() -> peer.openStream("", 100, 1, c)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> peer.openStream("bad id\n", 100, 1, c)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> peer.openStream("chain-9/test/1", 0, 1, c)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> peer.openStream("chain-9/test/1", 100, 0, c)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> peer.openStream("chain-9/test/1", 100, 257, c)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> peer.openStream("chain-9/test/1", 100, 1, null)).isInstanceOf(IllegalArgumentException.class);
            assertThat(peer.stripedConnections()).allSatisfy(m -> assertThat(m.load()).isZero());
            echoWorks(peer);
            assertThat(await(peer.ping())).isPositive();
            assertThat(peer.protocolVersion()).isPositive();

            peer.close("done");
            peer.close("again"); // idempotent
            assertThatThrownBy(() -> peer.openStream("chain-9/test/1", 100, 1, c)).isInstanceOfSatisfying(
                    ClosedException.class, e -> {
                        assertThat(e.closedByUs()).isTrue();
                        assertThat(e.reason().message()).contains("done");
                    });
        }
    }

    @Test
    void aPeerThatWentAwayFailsOpenStreamAsConnectionLost() throws Exception {
        TestNode target = new TestNode();
        try (Endpoint ep = start(new EndpointListener() {}, b -> b.stripes(1)
                .reconnect(new Backoff(Duration.ofSeconds(30), Duration.ofSeconds(30), 1)))) {
            PeerConnection peer = await(ep.connect(target.address()));
            CompletableFuture<CloseReason> lost = peer.stripedConnections().get(0).closeFuture();
            target.close();
            await(lost);
            assertThatThrownBy(() -> peer.openStream("chain-9/test/1", 100, 1, new EndpointTest.Collector()))
                    .isInstanceOfSatisfying(ClosedException.class, e -> assertThat(e.connectionLost()).isTrue());
        } finally {
            target.close();
        }
    }
}
