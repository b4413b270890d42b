package io.chainmux.mux;

import java.time.Duration;

/** At most {@code count} events per {@code window}: a budget for control frames a peer may cause. */
public record RateLimit(int count, Duration window) {
    public RateLimit {
        if (count < 1) {
            throw new IllegalArgumentException("rate limit count must be >= 1, was " + count);
        }
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("rate limit window must be positive, was " + window);
        }
    }

    public static RateLimit of(int count, Duration window) {
        return new RateLimit(count, window);
    }
}
