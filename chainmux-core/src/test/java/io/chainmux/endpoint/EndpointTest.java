package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.endpoint.identity.HandshakeException.Reason;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.chainmux.testing.Utf8Messages.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Endpoints over real loopback sockets: handshake, identity checks, TLS, limits, timeouts. */
class EndpointTest {
    static final long WAIT = 10;

    /** Collects messages and the close of one client stream. */
    static final class Collector implements StreamListener {
        final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<CloseReason> closed = new CompletableFuture<>();

        @Override
        public void onMessage(MuxStream stream, ByteBuf message) {
            int length = message.readableBytes();
            messages.add(message.toString(StandardCharsets.UTF_8));
            message.release();
            stream.consumed(length);
        }

        @Override
        public void onClosed(MuxStream stream, CloseReason reason) {
            closed.complete(reason);
        }

        String next() throws InterruptedException {
            String m = messages.poll(WAIT, TimeUnit.SECONDS);
            assertThat(m).as("a message within %d s", WAIT).isNotNull();
            return m;
        }
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(WAIT, TimeUnit.SECONDS);
    }

    static HandshakeException failureOf(CompletableFuture<?> f) {
        try {
            f.get(WAIT, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(HandshakeException.class);
            return (HandshakeException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError("expected a handshake failure, got " + e, e);
        }
        throw new AssertionError("expected a handshake failure, but the connection succeeded");
    }

    @Test
    void handshakeAuthenticatesBothSidesAndCarriesStreams() throws Exception {
        try (TestNode a = new TestNode(); TestNode b = new TestNode()) {
            PeerConnection toA = await(b.endpoint.connect(a.address()));
            assertThat(toA.peerId()).isEqualTo(a.identity.peerId());
            Collector c = new Collector();
            MuxStream s = toA.openStream("chain-1/test/1", 1 << 20, 1, c);
            assertThat(s.trySend(text("hello"))).isTrue();
            assertThat(c.next()).isEqualTo("hello");
            assertThat(a.endpoint.peer(b.identity.peerId())).isNotNull();
            assertThat(a.connected).extracting(PeerConnection::peerId).containsExactly(b.identity.peerId());
            assertThat(toA.ping().get(WAIT, TimeUnit.SECONDS)).isPositive();
            s.close();
            assertThat(await(c.closed).isNormal()).isTrue();
        }
    }

    @Test
    void dialByAddressLearnsThePeerId() throws Exception {
        try (TestNode a = new TestNode(); TestNode b = new TestNode()) {
            PeerConnection pc = await(b.endpoint.connect(PeerAddress.of(a.endpoint.localAddress())));
            assertThat(pc.peerId()).isEqualTo(a.identity.peerId());
        }
    }

    /** What `chainmux ping` and the handshake benchmark do: dial by address, close, dial again. */
    @Test
    void dialByAddressAfterCloseConnectsAgainEveryTime() throws Exception {
        try (TestNode a = new TestNode(); TestNode b = new TestNode()) {
            PeerAddress target = PeerAddress.of(a.endpoint.localAddress());
            for (int i = 0; i < 500; i++) {
                PeerConnection pc = b.endpoint.connect(target).get(WAIT, TimeUnit.SECONDS);
                assertThat(pc.peerId()).as("dial %d", i).isEqualTo(a.identity.peerId());
                CompletableFuture<CloseReason> closed = pc.stripedConnections().get(0).closeFuture();
                pc.close("done with dial " + i);
                assertThat(closed.get(WAIT, TimeUnit.SECONDS).isNormal()).as("dial %d closed normally", i).isTrue();
            }
        }
    }

    @Test
    void aDialedConnectionThatCarriesNoStreamIsClosedAfterTheUnusedTimeout() throws Exception {
        try (TestNode idle = new TestNode(); TestNode busy = new TestNode();
             TestNode b = new TestNode(x -> x.unusedConnectionTimeout(Duration.ofMillis(1000)))) {
            PeerConnection toBusy = await(b.endpoint.connect(busy.address()));
            Collector c = new Collector();
            MuxStream s = toBusy.openStream("chain-1/test/1", 1 << 20, 1, c);
            assertThat(s.trySend(text("hold"))).isTrue();
            assertThat(c.next()).isEqualTo("hold");
            PeerConnection toIdle = await(b.endpoint.connect(idle.address()));
            PeerConnection gone = b.firstDisconnected.get(WAIT, TimeUnit.SECONDS);
            assertThat(gone).isSameAs(toIdle);
            assertThat(b.disconnected).singleElement().matches(CloseReason::isNormal, "a normal close");
            assertThat(b.endpoint.stats().unusedClosed()).isEqualTo(1);
            assertThat(b.endpoint.stats().reconnects()).as("not redialed").isZero();
            assertThat(toBusy.isConnected()).as("the connection with an open stream stays").isTrue();
            assertThat(s.trySend(text("still here"))).isTrue();
            assertThat(c.next()).isEqualTo("still here");
        }
    }

    @Test
    void aDifferentKeyThanExpectedIsRejected() throws Exception {
        try (TestNode a = new TestNode(); TestNode b = new TestNode()) {
            PeerAddress wrong = PeerAddress.of(a.endpoint.localAddress()).withPeer(NodeIdentity.generate().peerId());
            HandshakeException e = failureOf(b.endpoint.connect(wrong));
            assertThat(e.reason()).isEqualTo(Reason.UNEXPECTED_PEER);
            assertThat(e.getMessage()).contains(a.identity.peerId().toString()).contains(wrong.expectedPeer().toString());
            assertThat(b.endpoint.stats().handshakeFailures(Reason.UNEXPECTED_PEER)).isEqualTo(1);
        }
    }

    @Test
    void dialingYourselfIsRefused() throws Exception {
        try (TestNode a = new TestNode()) {
            assertThat(failureOf(a.endpoint.connect(a.address())).reason()).isEqualTo(Reason.SELF_DIAL);
            HandshakeException e = failureOf(a.endpoint.connect(PeerAddress.of(a.endpoint.localAddress())));
            assertThat(e.reason()).isEqualTo(Reason.SELF_DIAL);
            assertThat(e.getMessage()).contains("dialed yourself");
        }
    }

    @Test
    void tlsModeAuthenticatesWithCertificatesBoundToTheIdentity() throws Exception {
        try (TestNode a = new TestNode(b -> b.tls(true)); TestNode b = new TestNode(x -> x.tls(true))) {
            PeerConnection pc = await(b.endpoint.connect(a.address()));
            Collector c = new Collector();
            pc.openStream("n", 1000, 1, c).trySend(text("over tls"));
            assertThat(c.next()).isEqualTo("over tls");
        }
    }

    /** Waits (bounded) until the node has recorded a handshake failure, and returns the first. */
    static HandshakeException firstHandshakeFailure(TestNode node) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
        while (node.handshakeFailures.isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(node.handshakeFailures).as("a handshake failure within %d s", WAIT).isNotEmpty();
        return node.handshakeFailures.get(0);
    }

    @Test
    void aPlaintextDialerAndATlsListenerBothNameTheMismatch() throws Exception {
        try (TestNode a = new TestNode(b -> b.tls(true)); TestNode b = new TestNode()) {
            HandshakeException dialer = failureOf(b.endpoint.connect(a.address()));
            assertThat(dialer.reason()).isEqualTo(Reason.TLS_MISMATCH);
            assertThat(dialer.getMessage()).startsWith("the peer has tls on, this node has tls off");
            HandshakeException listener = firstHandshakeFailure(a);
            assertThat(listener.reason()).isEqualTo(Reason.TLS_MISMATCH);
            assertThat(listener.getMessage()).isEqualTo("the peer speaks plaintext: it has tls off, this node has tls on");
        }
    }

    @Test
    void aTlsDialerAndAPlaintextListenerBothNameTheMismatch() throws Exception {
        try (TestNode a = new TestNode(); TestNode b = new TestNode(x -> x.tls(true))) {
            HandshakeException dialer = failureOf(b.endpoint.connect(a.address()));
            assertThat(dialer.reason()).isEqualTo(Reason.TLS_MISMATCH);
            assertThat(dialer.getMessage()).isEqualTo("the peer speaks plaintext: it has tls off, this node has tls on");
            HandshakeException listener = firstHandshakeFailure(a);
            assertThat(listener.reason()).isEqualTo(Reason.TLS_MISMATCH);
            assertThat(listener.getMessage()).isEqualTo("the peer speaks TLS: it has tls on, this node has tls off");
        }
    }

    @Test
    void anHttpServerIsNamedAsSuch() throws Exception {
        try (TestNode b = new TestNode();
             java.net.ServerSocket http = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CompletableFuture<PeerConnection> dial = b.endpoint.connect(PeerAddress.parse("127.0.0.1:" + http.getLocalPort()));
            try (Socket s = http.accept()) {
                s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                HandshakeException e = failureOf(dial);
                assertThat(e.getMessage()).isEqualTo("the peer speaks HTTP, not chainmux (a metrics or web port?)");
            }
        }
    }

    @Test
    void aDialToASilentPeerTimesOutWithoutCountingAsAnAttack() throws Exception {
        try (TestNode b = new TestNode(x -> x.handshakeTimeout(Duration.ofMillis(300)));
             java.net.ServerSocket silent = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CompletableFuture<PeerConnection> dial = b.endpoint.connect(PeerAddress.parse("127.0.0.1:" + silent.getLocalPort()));
            try (Socket s = silent.accept()) {
                HandshakeException e = failureOf(dial);
                assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
                assertThat(e.getMessage()).contains("the peer sent nothing");
                assertThat(b.endpoint.stats().limitHits(Limit.HANDSHAKE_TIMEOUT)).as("our own dial is no attack").isZero();
            }
        }
    }

    /** A refused dial used to leave its handshake deadline armed: a false timeout (and limit hit) later. */
    @Test
    void aRefusedDialRaisesNoHandshakeTimeoutLater() throws Exception {
        try (TestNode b = new TestNode(x -> x.ioThreads(1).handshakeTimeout(Duration.ofMillis(200)))) {
            int closedPort;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                closedPort = s.getLocalPort();
            }
            PeerAddress down = PeerAddress.parse(NodeIdentity.generate().peerId() + "@127.0.0.1:" + closedPort);
            assertThat(failureOf(b.endpoint.connect(down)).reason()).isEqualTo(Reason.CONNECTION_FAILED);
            // One event loop: a task scheduled after the deadline would have fired runs after it.
            b.endpoint.schedule(() -> { }, TimeUnit.MILLISECONDS.toNanos(600)).get(WAIT, TimeUnit.SECONDS);
            assertThat(b.endpoint.stats().handshakeFailures(Reason.TIMEOUT)).isZero();
            assertThat(b.endpoint.stats().limitHits(Limit.HANDSHAKE_TIMEOUT)).isZero();
            PeerConnection pc = b.endpoint.peer(down.expectedPeer());
            assertThat(pc.lastFailure()).as("the peer's last failure, for `peers`")
                    .isEqualTo("cannot connect to 127.0.0.1:" + closedPort + ": connection refused");
            assertThat(pc.lastFailureMillis()).isPositive();
        }
    }

    @Test
    void unreachableAddressFailsWithAClearError() throws Exception {
        try (TestNode b = new TestNode()) {
            int closedPort;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                closedPort = s.getLocalPort();
            }
            HandshakeException e = failureOf(b.endpoint.connect(PeerAddress.parse("127.0.0.1:" + closedPort)));
            assertThat(e.reason()).isEqualTo(Reason.CONNECTION_FAILED);
            assertThat(e.getMessage()).isEqualTo("cannot connect to 127.0.0.1:" + closedPort + ": connection refused");
        }
    }

    @Test
    void silentClientIsDroppedAtTheHandshakeDeadline() throws Exception {
        try (TestNode a = new TestNode(b -> b.handshakeTimeout(Duration.ofMillis(300)));
             Socket raw = new Socket("127.0.0.1", a.endpoint.localAddress().getPort())) {
            raw.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT));
            InputStream in = raw.getInputStream();
            byte[] buf = new byte[4096];
            int total = 0;
            int n;
            while ((n = in.read(buf)) >= 0 && total < 1 << 20) { // preamble, HELLO, GO_AWAY, then EOF
                total += n;
            }
            assertThat(n).as("the server closed the connection").isEqualTo(-1);
            assertThat(a.endpoint.stats().limitHits(Limit.HANDSHAKE_TIMEOUT)).isEqualTo(1);
            assertThat(a.endpoint.stats().handshakeFailures(Reason.TIMEOUT)).isEqualTo(1);
        }
    }

    @Test
    void inboundConnectionsPerIpAreLimited() throws Exception {
        try (TestNode a = new TestNode(b -> b.maxInboundPerIp(2));
             Socket s1 = new Socket("127.0.0.1", a.endpoint.localAddress().getPort());
             Socket s2 = new Socket("127.0.0.1", a.endpoint.localAddress().getPort());
             Socket s3 = new Socket("127.0.0.1", a.endpoint.localAddress().getPort())) {
            s3.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT));
            s1.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT));
            s2.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT));
            int[] first = {s1.getInputStream().read(), s2.getInputStream().read(), s3.getInputStream().read()};
            assertThat(first).as("exactly one of three connections is closed at once").containsOnlyOnce(-1)
                    .contains('C');
            assertThat(a.endpoint.stats().limitHits(Limit.MAX_INBOUND_PER_IP)).isEqualTo(1);
        }
    }

    @Test
    void inboundConnectionsInTotalAreLimited() throws Exception {
        try (TestNode a = new TestNode(b -> b.maxInboundConnections(1));
             Socket s1 = new Socket("127.0.0.1", a.endpoint.localAddress().getPort());
             Socket s2 = new Socket("127.0.0.1", a.endpoint.localAddress().getPort())) {
            // Accepted channels initialise on different event loops: either one may be the refused one.
            s1.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT));
            s2.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT));
            int first1 = s1.getInputStream().read();
            int first2 = s2.getInputStream().read();
            assertThat(java.util.List.of(first1, first2)).containsExactlyInAnyOrder(-1, (int) 'C');
            assertThat(a.endpoint.stats().limitHits(Limit.MAX_INBOUND_CONNECTIONS)).isEqualTo(1);
        }
    }

    @Test
    void stripesAboveThePeersLimitAreRefused() throws Exception {
        try (TestNode a = new TestNode(b -> b.maxStripesPerPeer(2)); TestNode b = new TestNode(x -> x.stripes(3))) {
            PeerConnection pc = await(b.endpoint.connect(a.address()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
            while (a.endpoint.stats().limitHits(Limit.MAX_STRIPES_PER_PEER) == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(a.endpoint.stats().limitHits(Limit.MAX_STRIPES_PER_PEER)).isEqualTo(1);
            while (pc.stripeCount() < 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(pc.stripeCount()).isEqualTo(2);
        }
    }

    @Test
    void keepAliveHoldsAQuietConnectionAndIdleTimeoutDropsADeafOne() throws Exception {
        // Keepalive every 100 ms against a 1 s idle timeout: a loaded machine may delay a PING several
        // hundred ms without the test mistaking it for a deaf peer.
        try (TestNode a = new TestNode(x -> x.idleTimeout(Duration.ofMillis(1000)).keepAliveInterval(Duration.ofMillis(100)));
             TestNode b = new TestNode(x -> x.idleTimeout(Duration.ofMillis(1000)).keepAliveInterval(Duration.ofMillis(100)))) {
            PeerConnection pc = await(b.endpoint.connect(a.address()));
            MuxConnection stripe = pc.stripedConnections().get(0);
            // Quiet for two idle periods: keepalive PINGs hold it open.
            CompletableFuture<CloseReason> closed = stripe.closeFuture();
            assertThat(closed.completeOnTimeout(null, 2000, TimeUnit.MILLISECONDS).get()).isNull();
            // b goes deaf and mute (no reads, no keepalive): a hears nothing and closes it as idle.
            stripe.channel().eventLoop().submit(() -> {
                stripe.channel().pipeline().remove("keepalive");
                stripe.channel().config().setAutoRead(false);
            }).get(WAIT, TimeUnit.SECONDS);
            PeerConnection fromA = a.endpoint.peer(b.identity.peerId());
            CloseReason reason = fromA.stripedConnections().get(0).closeFuture().get(WAIT, TimeUnit.SECONDS);
            assertThat(reason.code()).isEqualTo(io.chainmux.wire.ErrorCode.IDLE_TIMEOUT);
            assertThat(a.endpoint.stats().limitHits(Limit.IDLE_TIMEOUT)).isPositive();
        }
    }

    /** The RTT used to be sampled only when a connection went quiet: a busy one kept its first sample. */
    @Test
    void theRttOfABusyConnectionIsSampledAgain() throws Exception {
        try (TestNode a = new TestNode(); TestNode b = new TestNode(x -> x.keepAliveInterval(Duration.ofMillis(100)))) {
            PeerConnection pc = await(b.endpoint.connect(a.address()));
            MuxConnection stripe = pc.stripedConnections().get(0);
            await(stripe.ping());
            Duration first = stripe.rtt();
            assertThat(first).isLessThan(Duration.ofMillis(40));
            // From now on a's writes (PING replies included) reach the wire 50 ms late.
            io.netty.channel.Channel fromA = a.endpoint.peer(b.identity.peerId()).stripedConnections().get(0).channel();
            fromA.eventLoop().submit(() -> fromA.pipeline().addFirst(new DelayWrites(50))).get(WAIT, TimeUnit.SECONDS);
            Collector c = new Collector();
            MuxStream s = pc.openStream("chain-1/test/1", 1 << 20, 1, c);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
            // b writes every 10 ms, so it never goes quiet for a keepalive interval
            while (stripe.rtt().compareTo(Duration.ofMillis(40)) < 0 && System.nanoTime() < deadline) {
                assertThat(s.trySend(text("busy"))).isTrue();
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            assertThat(stripe.rtt()).as("RTT sampled again while busy").isGreaterThanOrEqualTo(Duration.ofMillis(40));
        }
    }

    /**
     * Holds every write and flush for a fixed delay, in order: a long path for one direction. Writes
     * still held when the channel goes away (their scheduled tasks die with the event loop) are
     * released and failed, so the leak detector sees only the product's buffers.
     */
    static final class DelayWrites extends io.netty.channel.ChannelOutboundHandlerAdapter {
        private final long millis;
        private final java.util.ArrayDeque<Object> held = new java.util.ArrayDeque<>();
        private final java.util.ArrayDeque<io.netty.channel.ChannelPromise> promises = new java.util.ArrayDeque<>();

        DelayWrites(long millis) {
            this.millis = millis;
        }

        @Override
        public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
            held.add(msg);
            promises.add(promise);
            ctx.executor().schedule(() -> {
                Object next = held.poll();
                if (next != null) {
                    ctx.write(next, promises.poll());
                }
            }, millis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void flush(io.netty.channel.ChannelHandlerContext ctx) {
            ctx.executor().schedule(ctx::flush, millis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void handlerRemoved(io.netty.channel.ChannelHandlerContext ctx) {
            Object msg;
            while ((msg = held.poll()) != null) {
                io.netty.util.ReferenceCountUtil.release(msg);
                promises.poll().tryFailure(new java.nio.channels.ClosedChannelException());
            }
        }
    }

    @Test
    void configRejectsInconsistentValues() {
        NodeIdentity id = NodeIdentity.generate();
        assertThatThrownBy(() -> EndpointConfig.builder(id).stripes(0).build())
                .hasMessageContaining("stripes must be in [1, 255]");
        assertThatThrownBy(() -> EndpointConfig.builder(id).keepAliveInterval(Duration.ofSeconds(60))
                .idleTimeout(Duration.ofSeconds(30)).build()).hasMessageContaining("keepAliveInterval");
        assertThatThrownBy(() -> EndpointConfig.builder(id).advertisedAddress("nope").build())
                .hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> PeerAddress.parse("[::1]7000")).hasMessageContaining("[IPV6]:PORT");
        assertThat(PeerAddress.parse("[::1]:7000").host()).isEqualTo("::1");
        assertThat(PeerAddress.parse(id.peerId() + "@localhost:7").expectedPeer()).isEqualTo(id.peerId());
    }
}
