package io.chainmux.bench.scale;

import io.chainmux.broker.SessionClosedException;
import io.chainmux.broker.SessionContext;
import io.chainmux.p2p.Session;
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
import java.util.function.BooleanSupplier;

/**
 * The requesting side of the latency-sensitive network: while {@code sending} is true, sends
 * sequence-numbered small messages at a fixed rate, pipelined, and times their echoes. Ends on its
 * own after {@code lifetime} (jittered, shorter than the network's session timeout): stops sending,
 * waits up to {@link #DRAIN} for the echoes outstanding, then ends its side cleanly.
 *
 * <p>Accounting ({@link PingStats}): an echo must carry the next expected number; a gap counts the
 * skipped messages lost. At a normal end, accepted messages without an echo are lost; when the stream
 * fails (reset, connection cut) they are counted as reported by that failure.
 */
final class PingSession implements Session {
    static final Duration DRAIN = Duration.ofSeconds(5);
    static final int MAX_PENDING_SENDS = 16;

    private final PingStats stats;
    private final ScheduledExecutorService ticker;
    private final int size;
    private final long periodNanos;
    private final Duration lifetime;
    private final BooleanSupplier sending;
    private final ByteBufAllocator alloc;

    PingSession(PingStats stats, ScheduledExecutorService ticker, int size, double ratePerSecond, Duration lifetime,
                BooleanSupplier sending, ByteBufAllocator alloc) {
        this.stats = stats;
        this.ticker = ticker;
        this.size = size;
        this.periodNanos = Math.max(1, Math.round(1e9 / ratePerSecond));
        this.lifetime = lifetime;
        this.sending = sending;
        this.alloc = alloc;
    }

    @Override
    public CompletionStage<SessionOutcome> run(SessionContext ctx) {
        Run r = new Run(ctx);
        ctx.executor().execute(r::start);
        return r.result;
    }

    private final class Run {
        final SessionContext ctx;
        final Executor exec;
        final CompletableFuture<SessionOutcome> result = new CompletableFuture<>();
        final long deadline;
        ScheduledFuture<?> tick;
        ScheduledFuture<?> drainTimer;
        long nextSeq;
        long accepted;
        long nextEcho;
        int pendingSends;
        boolean draining;
        boolean done;
        boolean failed;

        Run(SessionContext ctx) {
            this.ctx = ctx;
            this.exec = ctx.executor();
            double jitter = 0.9 + 0.2 * ThreadLocalRandom.current().nextDouble();
            this.deadline = System.nanoTime() + (long) (lifetime.toNanos() * jitter);
        }

        void start() {
            // Checked on the ticker first: with sending off (the idle phase) the session costs the
            // node's event loop nothing until its lifetime ends.
            tick = ticker.scheduleAtFixedRate(() -> {
                if (sending.getAsBoolean() || System.nanoTime() - deadline >= 0) {
                    exec.execute(this::onTick);
                }
            },
                    ThreadLocalRandom.current().nextLong(periodNanos), periodNanos, TimeUnit.NANOSECONDS);
            receiveNext();
        }

        void onTick() {
            if (done || draining) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                drain();
                return;
            }
            if (!sending.getAsBoolean() || pendingSends >= MAX_PENDING_SENDS) {
                return;
            }
            long seq = nextSeq++;
            pendingSends++;
            ctx.send(PingMessage.encode(alloc, seq, System.nanoTime(), size)).whenCompleteAsync((v, e) -> onSent(seq, e), exec);
        }

        void onSent(long seq, Throwable e) {
            pendingSends--;
            if (e != null) {
                end(e); // never on the wire; the stream is failing
                return;
            }
            stats.sent.increment();
            accepted = Math.max(accepted, seq + 1);
            if (done) {
                (failed ? stats.reported : stats.lost).increment();
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
                long seq = m.readableBytes() >= PingMessage.HEADER ? PingMessage.seq(m) : -1;
                if (seq == nextEcho) {
                    nextEcho++;
                    stats.echoed.increment();
                    stats.roundTrip(PingMessage.sentNanos(m), PingMessage.echoNanos(m), System.nanoTime());
                } else if (seq > nextEcho && seq < nextSeq) {
                    stats.lost.add(seq - nextEcho);
                    nextEcho = seq + 1;
                    stats.echoed.increment();
                } else {
                    stats.lost.increment();
                }
            } finally {
                m.release();
            }
            finishDrainIfEchoed();
            if (!done) {
                receiveNext();
            }
        }

        void drain() {
            draining = true;
            tick.cancel(false);
            drainTimer = ticker.schedule(() -> exec.execute(() -> {
                if (!done) {
                    complete(false, SessionOutcome.failed((accepted - nextEcho) + " echoes missing "
                            + DRAIN.toSeconds() + " s after the last send"));
                }
            }), DRAIN.toNanos(), TimeUnit.NANOSECONDS);
            finishDrainIfEchoed();
        }

        void finishDrainIfEchoed() {
            if (draining && !done && pendingSends == 0 && nextEcho >= accepted) {
                complete(false, SessionOutcome.ok());
            }
        }

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
            (byFailure ? stats.reported : stats.lost).add(Math.max(0, accepted - nextEcho));
            result.complete(outcome);
        }
    }
}
