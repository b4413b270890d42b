package io.chainmux.mux;

/**
 * A fixed-window counter for a {@link RateLimit}, driven by the caller's clock so tests control
 * time. The caller may pass a larger limit than the configured count (a budget that scales with
 * what the connection carries). Every event is also counted in the connection's
 * {@link MuxStats#budgetCharged(Budget)}, so an endpoint can hold a peer's address to a budget
 * across connections. Event-loop confined.
 */
final class RateBudget {
    private final int max;
    private final long windowNanos;
    private final MuxStats stats;
    private final Budget budget;
    private long windowStart;
    private int used;
    private boolean started;

    RateBudget(RateLimit limit, MuxStats stats, Budget budget) {
        this.max = limit.count();
        this.windowNanos = limit.window().toNanos();
        this.stats = stats;
        this.budget = budget;
    }

    /** Counts one event at {@code nowNanos}; false when the budget of the current window is spent. */
    boolean tryAcquire(long nowNanos) {
        return tryAcquire(nowNanos, max);
    }

    /** Counts one event; false when more than {@code limit} were counted in the current window. */
    boolean tryAcquire(long nowNanos, int limit) {
        if (!started || nowNanos - windowStart >= windowNanos) {
            started = true;
            windowStart = nowNanos;
            used = 0;
        }
        stats.charged(budget);
        return ++used <= limit;
    }
}
