package io.chainmux.mux;

/**
 * A fixed-window counter for a {@link RateLimit}, driven by the caller's clock so tests control
 * time. Event-loop confined.
 */
final class RateBudget {
    private final int max;
    private final long windowNanos;
    private long windowStart;
    private int used;
    private boolean started;

    RateBudget(RateLimit limit) {
        this.max = limit.count();
        this.windowNanos = limit.window().toNanos();
    }

    /** Counts one event at {@code nowNanos}; false when the budget of the current window is spent. */
    boolean tryAcquire(long nowNanos) {
        if (!started || nowNanos - windowStart >= windowNanos) {
            started = true;
            windowStart = nowNanos;
            used = 0;
        }
        return ++used <= max;
    }
}
