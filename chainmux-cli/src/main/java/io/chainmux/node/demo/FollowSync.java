package io.chainmux.node.demo;

import io.chainmux.chaindb.SyncSession;
import io.chainmux.p2p.Session;
import io.chainmux.broker.SessionContext;
import io.chainmux.p2p.SessionOutcome;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A chain sync that follows its peer: runs {@link SyncSession} rounds on one connection, {@code pause}
 * apart, until {@code lifetime} (jittered) is over, then ends with the last round's outcome (a failed
 * round ends it at once). As in chainweb, a session lives for a while instead of one exchange, so the
 * demo holds its logical connections (degree per chain per node) instead of reopening one per check;
 * it ends on its own, with a clean close, rather than being cut with a reset at the network's timeout.
 */
final class FollowSync implements Session {
    private final SyncSession sync;
    private final ScheduledExecutorService ticker;
    private final Duration pause;
    private final Duration lifetime;

    FollowSync(SyncSession sync, ScheduledExecutorService ticker, Duration pause, Duration lifetime) {
        this.sync = sync;
        this.ticker = ticker;
        this.pause = pause;
        this.lifetime = lifetime;
    }

    @Override
    public CompletionStage<SessionOutcome> run(SessionContext ctx) {
        CompletableFuture<SessionOutcome> result = new CompletableFuture<>();
        double jitter = 0.9 + 0.2 * ThreadLocalRandom.current().nextDouble();
        long deadline = System.nanoTime() + (long) (lifetime.toNanos() * jitter);
        round(ctx, result, deadline);
        return result;
    }

    private void round(SessionContext ctx, CompletableFuture<SessionOutcome> result, long deadline) {
        CompletionStage<SessionOutcome> r;
        try {
            r = sync.run(ctx);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        r.whenComplete((outcome, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else if (!outcome.success() || System.nanoTime() - deadline + pause.toNanos() >= 0) {
                result.complete(outcome);
            } else {
                try {
                    ticker.schedule(() -> ctx.executor().execute(() -> round(ctx, result, deadline)),
                            pause.toNanos(), TimeUnit.NANOSECONDS);
                } catch (RuntimeException e) { // the ticker stopped: the node is closing
                    result.complete(outcome);
                }
            }
        });
    }
}
