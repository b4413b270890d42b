package io.chainmux.endpoint;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: the n-th retry waits a random time between half and all of
 * min(max, initial x 2^n), so many nodes that lost a peer at once do not redial in lockstep.
 */
public record Backoff(Duration initial, Duration max, int maxAttempts) {
    public Backoff {
        if (initial == null || initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("backoff initial delay must be positive, was " + initial);
        }
        if (max == null || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff max delay must be >= initial (" + initial + "), was " + max);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("backoff maxAttempts must be >= 1, was " + maxAttempts);
        }
    }

    public static Backoff defaults() {
        return new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30), 20);
    }

    /** Delay before retry number {@code attempt} (0-based). */
    public Duration delay(int attempt) {
        long cap = max.toNanos();
        long exp = initial.toNanos() << Math.min(attempt, 30);
        long bound = exp <= 0 || exp > cap ? cap : exp;
        return Duration.ofNanos(ThreadLocalRandom.current().nextLong(bound / 2, bound + 1));
    }
}
