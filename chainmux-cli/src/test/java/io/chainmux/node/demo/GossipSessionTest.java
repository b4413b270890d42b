package io.chainmux.node.demo;

import io.chainmux.broker.NetworkId;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.mux.CloseReason;
import io.chainmux.p2p.Session;
import io.chainmux.broker.SessionClosedException;
import io.chainmux.broker.SessionContext;
import io.chainmux.p2p.SessionOutcome;
import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The small-message accounting of the demo over an in-memory connection: what counts as lost, and what
 * a failed stream reports instead.
 */
class GossipSessionTest {
    private static final int SIZE = 64;
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(20);
    private static final NetworkId NETWORK = NetworkId.of("_", "gossip", 1);

    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService execA = Executors.newSingleThreadExecutor();
    private final ExecutorService execB = Executors.newSingleThreadExecutor();
    private final GossipStats requesterStats = new GossipStats();
    private final GossipStats responderStats = new GossipStats();
    private final AtomicBoolean stop = new AtomicBoolean();

    @AfterEach
    void stopThreads() {
        ticker.shutdownNow();
        execA.shutdownNow();
        execB.shutdownNow();
    }

    private GossipSession requester() {
        return new GossipSession(requesterStats, ticker, SIZE, 500, Duration.ofHours(1), stop::get,
                ByteBufAllocator.DEFAULT);
    }

    @Test
    void echoesComeBackInOrderAndNothingIsLost() throws Exception {
        Pipe pipe = new Pipe(m -> false);
        CompletableFuture<SessionOutcome> echo = run(new GossipEcho(responderStats, SIZE), pipe.b);
        CompletableFuture<SessionOutcome> req = run(requester(), pipe.a);
        until(() -> requesterStats.echoed.sum() >= 30);
        stop.set(true);
        assertThat(req.get(20, TimeUnit.SECONDS).success()).isTrue();
        pipe.a.close(CloseReason.remote(ErrorCode.NO_ERROR, "FIN", null)); // the network's finish()
        assertThat(echo.get(20, TimeUnit.SECONDS).success()).isTrue();

        long sent = requesterStats.sent.sum();
        assertThat(requesterStats.echoed.sum()).isEqualTo(sent);
        assertThat(responderStats.received.sum()).isEqualTo(sent);
        assertThat(requesterStats.lost.sum() + responderStats.lost.sum()).isZero();
        assertThat(requesterStats.failedReported.sum()).isZero();
        assertThat(requesterStats.phaseCopy(GossipStats.Phase.SETUP).getTotalCount()).isEqualTo(sent);
    }

    @Test
    void aDroppedMessageIsLostAtBothEnds() throws Exception {
        Pipe pipe = new Pipe(m -> GossipMessage.seq(m) == 3); // the transport "loses" message 3
        run(new GossipEcho(responderStats, SIZE), pipe.b);
        CompletableFuture<SessionOutcome> req = run(requester(), pipe.a);
        until(() -> requesterStats.echoed.sum() >= 10);
        stop.set(true);
        req.get(20, TimeUnit.SECONDS);
        assertThat(responderStats.lost.sum()).as("the responder saw 4 after 2").isEqualTo(1);
        assertThat(requesterStats.lost.sum()).as("the echo of 3 never came").isEqualTo(1);
        assertThat(requesterStats.echoed.sum()).isEqualTo(requesterStats.sent.sum() - 1);
    }

    @Test
    void aCorruptedEchoIsLost() throws Exception {
        Pipe pipe = new Pipe(m -> false);
        pipe.corruptBtoA = true;
        run(new GossipEcho(responderStats, SIZE), pipe.b);
        CompletableFuture<SessionOutcome> req = run(requester(), pipe.a);
        until(() -> requesterStats.corrupt.sum() >= 5);
        stop.set(true);
        req.get(20, TimeUnit.SECONDS);
        assertThat(responderStats.lost.sum()).isZero();
        assertThat(requesterStats.lost.sum()).as("every echo was bad").isEqualTo(requesterStats.sent.sum());
    }

    @Test
    void messagesInFlightOnAFailedStreamAreReportedByTheFailureNotLost() throws Exception {
        Pipe pipe = new Pipe(m -> false);
        CompletableFuture<SessionOutcome> req = run(requester(), pipe.a); // nobody echoes
        until(() -> requesterStats.sent.sum() >= 5);
        pipe.a.close(CloseReason.remote(ErrorCode.CANCEL, "reset by peer", null));
        SessionOutcome o = req.get(20, TimeUnit.SECONDS);
        assertThat(o.success()).isFalse();
        assertThat(o.reason()).contains("CANCEL");
        assertThat(requesterStats.failedReported.sum()).isEqualTo(requesterStats.sent.sum()).isPositive();
        assertThat(requesterStats.lost.sum()).isZero();
    }

    @Test
    void echoesMissingWhenTheStreamEndsNormallyAreLost() throws Exception {
        Pipe pipe = new Pipe(m -> false);
        CompletableFuture<SessionOutcome> req = run(requester(), pipe.a); // nobody echoes
        until(() -> requesterStats.sent.sum() >= 5);
        pipe.a.close(CloseReason.remote(ErrorCode.NO_ERROR, "FIN", null));
        assertThat(req.get(20, TimeUnit.SECONDS).success()).isTrue();
        assertThat(requesterStats.lost.sum()).isEqualTo(requesterStats.sent.sum()).isPositive();
        assertThat(requesterStats.failedReported.sum()).isZero();
    }

    /** Echoes late past the drain deadline on a live stream used to count as lost, a claim nothing supported. */
    @Test
    void echoesStillMissingAtTheDrainDeadlineFailTheSessionAndAreNotCalledLost() throws Exception {
        Pipe pipe = new Pipe(m -> false);
        GossipSession requester = new GossipSession(requesterStats, ticker, SIZE, 500, Duration.ofHours(1), stop::get,
                ByteBufAllocator.DEFAULT, Duration.ofMillis(200));
        CompletableFuture<SessionOutcome> req = run(requester, pipe.a); // nobody echoes
        until(() -> requesterStats.sent.sum() >= 5);
        stop.set(true);
        SessionOutcome o = req.get(20, TimeUnit.SECONDS);
        assertThat(o.success()).isFalse();
        assertThat(o.reason()).contains("echoes missing 200 ms after the last send");
        assertThat(requesterStats.failedReported.sum()).isEqualTo(requesterStats.sent.sum()).isPositive();
        assertThat(requesterStats.lost.sum()).isZero();
        pipe.a.close(CloseReason.local(ErrorCode.CANCEL, "the session failed")); // as its network resets the stream
    }

    @Test
    void aStoppedNodeOpensQuietSessions() throws Exception {
        stop.set(true);
        Pipe pipe = new Pipe(m -> false);
        GossipSession g = requester();
        CompletableFuture<SessionOutcome> req = run(g, pipe.a);
        assertThat(g.running()).isZero();
        pipe.a.close(CloseReason.remote(ErrorCode.NO_ERROR, "FIN", null));
        assertThat(req.get(20, TimeUnit.SECONDS).success()).isTrue();
        assertThat(requesterStats.sent.sum()).isZero();
    }

    private static CompletableFuture<SessionOutcome> run(Session s, SessionContext ctx) {
        return s.run(ctx).toCompletableFuture();
    }

    /** Waits for a condition the sessions expose no event for; bounded in time, checks every 5 ms. */
    private static void until(BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 20 s").isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /** Two connected in-memory session contexts; a message from a to b may be dropped by a rule. */
    private final class Pipe {
        final End a;
        final End b;
        final Predicate<ByteBuf> dropAtoB;
        volatile boolean corruptBtoA;

        Pipe(Predicate<ByteBuf> dropAtoB) {
            this.dropAtoB = dropAtoB;
            this.a = new End(execA);
            this.b = new End(execB);
            a.peer = b;
            b.peer = a;
        }

        final class End implements SessionContext {
            final ExecutorService exec;
            final PeerId id = NodeIdentity.generate().peerId();
            End peer;
            private final ArrayDeque<ByteBuf> inbox = new ArrayDeque<>();
            private CompletableFuture<ByteBuf> waiting;
            private CloseReason closed;

            End(ExecutorService exec) {
                this.exec = exec;
            }

            @Override
            public PeerId peer() {
                return peer.id;
            }

            @Override
            public NetworkId network() {
                return NETWORK;
            }

            @Override
            public CompletionStage<Void> send(ByteBuf m) {
                CloseReason r;
                synchronized (this) {
                    r = closed;
                }
                if (r != null) {
                    m.release();
                    return CompletableFuture.failedFuture(new SessionClosedException(r));
                }
                if (this == a && dropAtoB.test(m)) {
                    m.release();
                } else {
                    if (this == b && corruptBtoA) {
                        m.setByte(m.readerIndex() + SIZE - 1, m.getByte(m.readerIndex() + SIZE - 1) + 1);
                    }
                    peer.deliver(m);
                }
                return CompletableFuture.completedFuture(null);
            }

            void deliver(ByteBuf m) {
                CompletableFuture<ByteBuf> w;
                synchronized (this) {
                    if (closed != null) {
                        m.release();
                        return;
                    }
                    w = waiting;
                    waiting = null;
                    if (w == null) {
                        inbox.add(m);
                        return;
                    }
                }
                exec.execute(() -> w.complete(m));
            }

            @Override
            public synchronized CompletionStage<ByteBuf> receive() {
                ByteBuf m = inbox.poll();
                if (m != null) {
                    return CompletableFuture.completedFuture(m);
                }
                if (closed != null) {
                    return CompletableFuture.failedFuture(new SessionClosedException(closed));
                }
                waiting = new CompletableFuture<>();
                return waiting;
            }

            /** The stream under this end ends with {@code reason} (both ends see it). */
            void close(CloseReason reason) {
                end(reason);
                peer.end(reason);
            }

            private void end(CloseReason reason) {
                CompletableFuture<ByteBuf> w;
                synchronized (this) {
                    closed = reason;
                    w = waiting;
                    waiting = null;
                    inbox.forEach(ByteBuf::release);
                    inbox.clear();
                }
                if (w != null) {
                    exec.execute(() -> w.completeExceptionally(new SessionClosedException(reason)));
                }
            }

            @Override
            public ExecutorService executor() {
                return exec;
            }
        }
    }
}
