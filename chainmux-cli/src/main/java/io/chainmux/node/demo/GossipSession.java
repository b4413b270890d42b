package io.chainmux.node.demo;

import io.chainmux.p2p.Session;
import io.chainmux.broker.SessionClosedException;
import io.chainmux.broker.SessionContext;
import io.chainmux.p2p.SessionOutcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The requesting side of the demo's small-message network: sends sequence-numbered messages at a fixed
 * rate, pipelined (it does not wait for an echo before the next send), and checks the echoes.
 *
 * <p>Accounting, per session: a message is <em>accepted</em> when {@code send} completed. Every echo
 * must carry the next expected sequence number; a gap counts the skipped messages as lost, a repeat or
 * an older number counts one (a reorder or duplicate). When the session ends normally, accepted
 * messages without an echo are lost. When the stream fails (reset, lost connection), accepted messages
 * without an echo are reported by that failure ({@code failedReported}), not lost: the transport told
 * us. Ends on its own after {@code lifetime} (jittered) or when {@code stop} turns true: it stops
 * sending, waits up to the drain timeout ({@link #DRAIN_TIMEOUT} by default) for the outstanding echoes,
 * then closes its side; echoes still missing then fail the session and count with the reported ones
 * (late on a stream that reported nothing, not known to be lost).
 *
 * <p>Runs on the session executor (serial); the ticker only hands ticks over to it.
 */
final class GossipSession implements Session {
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);
    /** Sends not yet accepted beyond this: the tick is skipped (counted), not queued without bound. */
    static final int MAX_PENDING_SENDS = 16;

    private final GossipStats stats;
    private final ScheduledExecutorService ticker;
    private final int size;
    private final long periodNanos;
    private final Duration lifetime;
    private final BooleanSupplier stop;
    private final ByteBufAllocator alloc;
    private final Duration drainTimeout;
    private final AtomicInteger running = new AtomicInteger();

    GossipSession(GossipStats stats, ScheduledExecutorService ticker, int size, double ratePerSecond,
                  Duration lifetime, BooleanSupplier stop, ByteBufAllocator alloc) {
        this(stats, ticker, size, ratePerSecond, lifetime, stop, alloc, DRAIN_TIMEOUT);
    }

    GossipSession(GossipStats stats, ScheduledExecutorService ticker, int size, double ratePerSecond,
                  Duration lifetime, BooleanSupplier stop, ByteBufAllocator alloc, Duration drainTimeout) {
        this.drainTimeout = drainTimeout;
        this.stats = stats;
        this.ticker = ticker;
        this.size = size;
        this.periodNanos = Math.max(1, Math.round(1e9 / ratePerSecond));
        this.lifetime = lifetime;
        this.stop = stop;
        this.alloc = alloc;
    }

    @Override
    public CompletionStage<SessionOutcome> run(SessionContext ctx) {
        if (stop.getAsBoolean()) {
            // Stopping: hold the connection quietly (no churn of new sessions) until the node closes.
            return ctx.receive().handle((m, e) -> {
                if (m != null) {
                    m.release();
                }
                return SessionOutcome.ok();
            });
        }
        Run r = new Run(ctx);
        running.incrementAndGet();
        ctx.executor().execute(r::start);
        return r.result;
    }

    /** Sessions sending or draining now (not those holding quietly after the stop). */
    int running() {
        return running.get();
    }

    private final class Run {
        final SessionContext ctx;
        final Executor exec;
        final CompletableFuture<SessionOutcome> result = new CompletableFuture<>();
        final long deadline;
        ScheduledFuture<?> tick;
        ScheduledFuture<?> drainTimer;
        long nextSeq;
        /** Sequence numbers below this were accepted by the transport. */
        long accepted;
        long nextEcho;
        int pendingSends;
        boolean draining;
        boolean done;
        /** How the session ended: messages accepted afterwards are lost, or reported by the failure. */
        boolean failed;

        Run(SessionContext ctx) {
            this.ctx = ctx;
            this.exec = ctx.executor();
            double jitter = 0.9 + 0.2 * ThreadLocalRandom.current().nextDouble();
            this.deadline = System.nanoTime() + (long) (lifetime.toNanos() * jitter);
        }

        void start() {
            long first = ThreadLocalRandom.current().nextLong(periodNanos);
            tick = ticker.scheduleAtFixedRate(() -> exec.execute(this::onTick), first, periodNanos,
                    TimeUnit.NANOSECONDS);
            receiveNext();
        }

        void onTick() {
            if (done || draining) {
                return;
            }
            if (stop.getAsBoolean() || System.nanoTime() - deadline >= 0) {
                drain();
                return;
            }
            if (pendingSends >= MAX_PENDING_SENDS) {
                stats.skipped.increment();
                return;
            }
            long seq = nextSeq++;
            pendingSends++;
            ctx.send(GossipMessage.encode(alloc, seq, System.nanoTime(), size))
                    .whenCompleteAsync((v, e) -> onSent(seq, e), exec);
        }

        void onSent(long seq, Throwable e) {
            pendingSends--;
            if (e != null) {
                // Not accepted: never on the wire, not counted. The stream is failing; receive reports it.
                end(e);
                return;
            }
            stats.sent.increment();
            accepted = Math.max(accepted, seq + 1);
            if (done) {
                (failed ? stats.failedReported : stats.lost).increment();
                return;
            }
            finishDrainIfEchoed();
        }

        void receiveNext() {
            ctx.receive().whenCompleteAsync(this::onEcho, exec);
        }

        void onEcho(ByteBuf m, Throwable e) {
            if (e != null) {
                end(e);
                return;
            }
            try {
                if (done) {
                    return;
                }
                check(m);
            } finally {
                m.release();
            }
            finishDrainIfEchoed();
            if (!done) {
                receiveNext();
            }
        }

        void check(ByteBuf m) {
            long seq = m.readableBytes() >= GossipMessage.HEADER ? GossipMessage.seq(m) : -1;
            if (!GossipMessage.intact(m, size)) {
                stats.corrupt.increment();
                stats.lost.increment();
                if (seq == nextEcho) {
                    nextEcho++; // its slot is accounted for: not missing again at the end
                }
                return;
            }
            if (seq == nextEcho) {
                nextEcho++;
                stats.echoed.increment();
                stats.roundTrip(System.nanoTime() - GossipMessage.sentNanos(m));
            } else if (seq > nextEcho && seq < nextSeq) {
                stats.lost.add(seq - nextEcho); // a gap: those echoes never came
                nextEcho = seq + 1;
                stats.echoed.increment();
            } else {
                stats.lost.increment(); // a duplicate, a reorder, or a number never sent
            }
        }

        void drain() {
            draining = true;
            tick.cancel(false);
            drainTimer = ticker.schedule(() -> exec.execute(this::drainTimedOut), drainTimeout.toNanos(),
                    TimeUnit.NANOSECONDS);
            finishDrainIfEchoed();
        }

        void finishDrainIfEchoed() {
            if (draining && !done && pendingSends == 0 && nextEcho >= accepted) {
                complete(false, SessionOutcome.ok());
            }
        }

        void drainTimedOut() {
            if (!done) {
                // Late, not known lost: the stream is still open and has reported nothing. The session
                // gives up on them and says so (a failed session), rather than calling them lost.
                long missing = accepted - nextEcho;
                complete(true, SessionOutcome.failed(missing + " echoes missing " + drainTimeout.toMillis()
                        + " ms after the last send"));
            }
        }

        /** The stream ended under the session (receive or send failed). */
        void end(Throwable e) {
            if (done) {
                return;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            boolean normal = cause instanceof SessionClosedException c && c.reason().isNormal();
            complete(!normal, normal ? SessionOutcome.ok() : SessionOutcome.failed("stream failed: " + cause.getMessage()));
        }

        void complete(boolean byFailure, SessionOutcome outcome) {
            done = true;
            failed = byFailure;
            if (tick != null) {
                tick.cancel(false);
            }
            if (drainTimer != null) {
                drainTimer.cancel(false);
            }
            long missing = Math.max(0, accepted - nextEcho);
            (byFailure ? stats.failedReported : stats.lost).add(missing);
            running.decrementAndGet();
            result.complete(outcome);
        }
    }
}
