package io.chainmux.bench;

import java.time.Duration;

/** One measurement: warm up, then count at the receiver for {@code measure}. */
public record RunParams(Duration warmup, Duration measure, Workload workload) {
    public RunParams {
        if (warmup == null || warmup.isNegative()) {
            throw new IllegalArgumentException("warm-up must be >= 0: " + warmup);
        }
        if (measure == null || measure.isNegative() || measure.isZero()) {
            throw new IllegalArgumentException("measured time must be > 0: " + measure);
        }
        if (workload == null) {
            throw new IllegalArgumentException("workload is required");
        }
    }

    public RunParams(Duration warmup, Duration measure, int messageSize, int streams) {
        this(warmup, measure, new Workload(messageSize, streams));
    }
}
