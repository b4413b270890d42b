package io.chainmux.broker;

import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.mux.MuxConfig;
import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.chainmux.testing.Utf8Messages.text;
import static io.chainmux.testing.Utf8Messages.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** The broker between real endpoints over loopback: routing, reuse, dispatch, backpressure, failures. */
class BrokerTest {
    static final long WAIT = 10;
    static final NetworkId PING = NetworkId.of("0", "ping", 1);
    static final NetworkId OTHER = NetworkId.of("1", "ping", 1);

    static ConnectionBroker broker(int workers) {
        return broker(workers, MuxConfig.defaults());
    }

    static ConnectionBroker broker(int workers, MuxConfig mux) {
        EndpointConfig ec = EndpointConfig.builder(NodeIdentity.generate()).listen("127.0.0.1:0").ioThreads(1)
                .mux(mux).shutdownGrace(Duration.ofMillis(200)).build();
        return ConnectionBroker.start(ec, BrokerConfig.defaults().withWorkerThreads(workers));
    }

    static PeerAddress address(ConnectionBroker b) {
        return PeerAddress.of(b.endpoint().localAddress()).withPeer(b.self());
    }

    static <T> T await(CompletionStage<T> f) throws Exception {
        return f.toCompletableFuture().get(WAIT, TimeUnit.SECONDS);
    }

    /** Echoes every message until the peer closes, then finishes. */
    static void echo(NetworkStream c) {
        c.receive().whenComplete((m, e) -> {
            if (e != null) {
                c.finish();
            } else {
                c.send(m).thenRun(() -> echo(c));
            }
        });
    }

    /** Blocks the calling worker thread until {@code release} opens (at most {@link #WAIT} s). */
    static void holdThreadUntil(CountDownLatch release) {
        try {
            release.await(WAIT, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Throwable failureOf(CompletionStage<?> f) throws Exception {
        try {
            f.toCompletableFuture().get(WAIT, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        return fail("expected a failure");
    }

    /**
     * A peer connection going away (GO_AWAY sent, as when an unused connection is closed) is not
     * reused: an open right then dials a new connection instead of failing with "no usable connection".
     */
    @Test
    void anOpenWhileThePeerConnectionGoesAwayDialsAgain() throws Exception {
        try (ConnectionBroker a = broker(2); ConnectionBroker b = broker(2)) {
            a.register(PING, open -> echo(open.accept(1 << 20)));
            b.register(PING, open -> fail("no inbound expected"));
            NetworkStream first = await(b.open(PING, address(a), 1 << 20));
            first.finish();
            await(first.closeFuture());
            b.endpoint().peer(a.self()).close("going away, as an unused connection does");
            NetworkStream again = await(b.open(PING, address(a), 1 << 20));
            await(again.send(text("after go-away")));
            assertThat(read(await(again.receive()))).isEqualTo("after go-away");
            again.finish();
        }
    }

    /**
     * A peer may end a stream with RESET NO_ERROR: a clean close, so what arrived stays readable. A
     * session that then gives up (abort, as a session timeout does) must release it; the reset it
     * sends is a no-op on a closed stream, so nothing else would.
     */
    @Test
    void abortAfterACleanResetReleasesUnreadMessages() throws Exception {
        try (ConnectionBroker a = broker(1); ConnectionBroker b = broker(1)) {
            CompletableFuture<NetworkStream> server = new CompletableFuture<>();
            a.register(PING, open -> {
                NetworkStream c = open.accept(1 << 20);
                c.send(text("never read")).thenRun(() -> server.complete(c));
            });
            b.register(PING, open -> fail("no inbound expected"));
            NetworkStream c = await(b.open(PING, address(a), 1 << 20));
            NetworkStream s = await(server);
            // A RESET would drop the message if it were still queued at a: reset once it has arrived.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
            while (c.unread() == 0 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            assertThat(c.unread()).as("the message arrived").isEqualTo(1);
            s.abort(ErrorCode.NO_ERROR);
            assertThat(await(c.closeFuture()).isNormal()).isTrue();
            assertThat(c.unread()).as("unread after the clean close").isEqualTo(1);
            c.abort(ErrorCode.CANCEL);
            assertThat(c.unread()).as("unread after abort").isZero();
        }
    }

    /**
     * The demo's small-message p99 rose to ~200 ms while block hashing filled the shared pool; a
     * PRIORITY network has its own workers, so it answers even while every shared worker is stuck.
     */
    @Test
    void priorityNetworkRunsWhileEverySharedWorkerIsBusy() throws Exception {
        try (ConnectionBroker a = broker(1); ConnectionBroker b = broker(1)) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch sharedBusy = new CountDownLatch(1);
            a.register(OTHER, open -> {
                open.accept(1 << 20);
                sharedBusy.countDown();
                holdThreadUntil(release); // the only shared worker
            });
            List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
            a.register(PING, open -> {
                threads.add(Thread.currentThread().getName());
                echo(open.accept(1 << 20));
            }, Dispatch.PRIORITY);
            b.register(OTHER, open -> fail("no inbound expected"));
            b.register(PING, open -> fail("no inbound expected"), Dispatch.PRIORITY);
            try {
                NetworkStream busy = await(b.open(OTHER, address(a), 1 << 20));
                assertThat(sharedBusy.await(WAIT, TimeUnit.SECONDS)).as("the shared worker is taken").isTrue();
                NetworkStream c = await(b.open(PING, address(a), 1 << 20));
                await(c.send(text("urgent")));
                assertThat(read(await(c.receive()))).isEqualTo("urgent");
                assertThat(release.getCount()).as("answered while the shared worker was still held").isEqualTo(1);
                assertThat(threads).hasSize(1).allMatch(t -> t.startsWith("chainmux-p2p-priority-"));
                c.finish();
                busy.finish();
            } finally {
                release.countDown();
            }
        }
    }

    @Test
    void routesByNetworkAndRunsSessionsOffTheEventLoop() throws Exception {
        try (ConnectionBroker a = broker(2); ConnectionBroker b = broker(2)) {
            List<String> handlerThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
            a.register(PING, open -> {
                handlerThreads.add(Thread.currentThread().getName());
                echo(open.accept(1 << 20));
            });
            b.register(PING, open -> fail("no inbound expected"));
            NetworkStream c = await(b.open(PING, address(a), 1 << 20));
            assertThat(c.peer()).isEqualTo(a.self());
            assertThat(c.network()).isEqualTo(PING);
            assertThat(c.remoteAddress()).as("the TCP peer of the stripe").isEqualTo(a.endpoint().localAddress());
            for (int i = 0; i < 20; i++) {
                String expected = "m" + i;
                await(c.send(text(expected)));
                String reply = await(c.receive().thenApply(m -> {
                    threads.add(Thread.currentThread().getName());
                    return read(m);
                }));
                assertThat(reply).isEqualTo(expected);
            }
            c.finish();
            assertThat(await(c.closeFuture()).isNormal()).isTrue();
            assertThat(handlerThreads).hasSize(1).allMatch(t -> t.startsWith("chainmux-p2p-"), "a worker thread");
            // A continuation runs where the future completes: a worker, or the caller if it was done.
            assertThat(threads).hasSize(20).noneMatch(t -> t.startsWith("chainmux-io"));
            assertThat(a.stats().accepted()).isEqualTo(1);
            assertThat(b.stats().opened()).isEqualTo(1);
        }
    }

    @Test
    void unknownNetworkIsRefusedAndCounted() throws Exception {
        try (ConnectionBroker a = broker(1); ConnectionBroker b = broker(1)) {
            b.register(OTHER, open -> fail("no inbound expected"));
            Throwable t = failureOf(b.open(OTHER, address(a), 1000));
            assertThat(t).isInstanceOf(SessionClosedException.class);
            assertThat(((SessionClosedException) t).reason().code()).isEqualTo(ErrorCode.REFUSED_UNKNOWN_NETWORK);
            assertThat(a.stats().refused(ErrorCode.REFUSED_UNKNOWN_NETWORK)).isEqualTo(1);
            assertThat(b.stats().streams()).isZero();
        }
    }

    @Test
    void secondNetworkReusesThePeersConnection() throws Exception {
        try (ConnectionBroker a = broker(1); ConnectionBroker b = broker(1)) {
            a.register(PING, open -> echo(open.accept(1000)));
            a.register(OTHER, open -> echo(open.accept(1000)));
            b.register(PING, open -> fail("none"));
            b.register(OTHER, open -> fail("none"));
            NetworkStream one = await(b.open(PING, address(a), 1000));
            NetworkStream two = await(b.open(OTHER, address(a), 1000));
            assertThat(b.stats().dials()).isEqualTo(1);
            assertThat(b.stats().reusedConnections()).isEqualTo(1);
            assertThat(b.tcpConnections()).isEqualTo(1);
            assertThat(b.stats().streams()).isEqualTo(2);
            one.finish();
            two.finish();
            await(one.closeFuture());
            await(two.closeFuture());
            assertThat(b.stats().streams()).isZero();
        }
    }

    /**
     * One network's handler blocks its worker thread; another network on the same node, sharing the
     * two-thread pool, keeps serving.
     */
    @Test
    void aStalledNetworkDoesNotStallOthers() throws Exception {
        try (ConnectionBroker a = broker(2); ConnectionBroker b = broker(2)) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch stalled = new CountDownLatch(1);
            a.register(OTHER, open -> {
                stalled.countDown();
                holdThreadUntil(release); // a badly written handler: blocks its thread
                open.refuse(ErrorCode.REFUSED_BUSY, null);
            });
            a.register(PING, open -> echo(open.accept(1000)));
            b.register(PING, open -> fail("none"));
            b.register(OTHER, open -> fail("none"));
            CompletableFuture<NetworkStream> slow = b.open(OTHER, address(a), 1000);
            assertThat(stalled.await(WAIT, TimeUnit.SECONDS)).isTrue();
            NetworkStream fast = await(b.open(PING, address(a), 1000));
            for (int i = 0; i < 50; i++) {
                await(fast.send(text("x" + i)));
                assertThat(read(await(fast.receive()))).isEqualTo("x" + i);
            }
            assertThat(slow).isNotDone();
            release.countDown();
            assertThat(failureOf(slow)).isInstanceOf(SessionClosedException.class);
            fast.finish();
            await(fast.closeFuture());
        }
    }

    /**
     * A receiver that does not read stops the sender: sends stop completing once the windows and send
     * buffers are full, and complete again, in order, once the receiver reads.
     */
    @Test
    void sendWaitsWhileThePeerDoesNotRead() throws Exception {
        MuxConfig small = MuxConfig.builder().initialStreamWindow(64 * 1024).maxStreamWindow(64 * 1024)
                .streamSendBuffer(64 * 1024).autotuneWindows(false).build();
        try (ConnectionBroker a = broker(1, small); ConnectionBroker b = broker(1, small)) {
            CompletableFuture<NetworkStream> server = new CompletableFuture<>();
            a.register(PING, open -> server.complete(open.accept(1 << 20)));
            b.register(PING, open -> fail("none"));
            NetworkStream c = await(b.open(PING, address(a), 1 << 20));
            int messages = 64;
            int size = 16 * 1024;
            List<CompletableFuture<Void>> sends = new ArrayList<>();
            CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
            for (int i = 0; i < messages; i++) {
                CompletableFuture<Void> s = c.send(Unpooled.buffer(size).writeZero(size)).toCompletableFuture();
                sends.add(s);
                last = s;
            }
            NetworkStream srv = await(server);
            CompletableFuture<Void> lastSend = last;
            assertThat(sends.get(0)).succeedsWithin(Duration.ofSeconds(WAIT));
            // Window (64 KiB) + send buffer (64 KiB) hold about 8 messages; 64 cannot all be accepted.
            assertThat(lastSend).isNotDone();
            long bytes = 0;
            for (int i = 0; i < messages; i++) {
                ByteBuf m = await(srv.receive());
                bytes += m.readableBytes();
                m.release();
            }
            assertThat(bytes).isEqualTo((long) messages * size);
            assertThat(lastSend).succeedsWithin(Duration.ofSeconds(WAIT));
            c.finish();
            srv.finish();
            await(c.closeFuture());
        }
    }

    /** The connection dies: the waiting receive fails, queued sends fail, held messages are released. */
    @Test
    void connectionLossFailsTheSessionAndReleasesWhatWasHeld() throws Exception {
        try (ConnectionBroker a = broker(1); ConnectionBroker b = broker(1)) {
            CompletableFuture<NetworkStream> server = new CompletableFuture<>();
            a.register(PING, open -> server.complete(open.accept(1 << 20)));
            b.register(PING, open -> fail("none"));
            NetworkStream c = await(b.open(PING, address(a), 1 << 20));
            NetworkStream srv = await(server);
            await(srv.send(text("unread"))); // stays in c's inbox
            await(srv.send(text("unread too")));
            CompletableFuture<ByteBuf> pending = srv.receive().toCompletableFuture();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
            while (b.endpoint().peer(a.self()).stripedConnections().get(0).streamCount() != 1) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.onSpinWait();
            }
            b.endpoint().peer(a.self()).stripedConnections().get(0).channel().close();
            Throwable t = failureOf(pending);
            assertThat(t).isInstanceOf(SessionClosedException.class);
            assertThat(((SessionClosedException) t).reason().code()).isEqualTo(ErrorCode.CONNECTION_LOST);
            assertThat(await(c.closeFuture()).code()).isEqualTo(ErrorCode.CONNECTION_LOST);
            assertThat(failureOf(c.receive())).isInstanceOf(SessionClosedException.class);
            assertThat(failureOf(c.send(text("late")))).isInstanceOf(SessionClosedException.class);
        }
    }
}
