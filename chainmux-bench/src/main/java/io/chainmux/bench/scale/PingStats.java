package io.chainmux.bench.scale;

import org.HdrHistogram.Histogram;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Round trips of the small-message network, one histogram per phase, and the message accounting:
 * sent (accepted by the transport), echoed, lost (no echo, no failure reported), and reported (no echo
 * because the stream failed under it: the transport said so). Thread-safe.
 */
final class PingStats {
    static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(60);

    final LongAdder sent = new LongAdder();
    final LongAdder echoed = new LongAdder();
    final LongAdder lost = new LongAdder();
    final LongAdder reported = new LongAdder();
    private final Map<String, Histogram> phases = new LinkedHashMap<>();
    private String phase = "form";

    synchronized void phase(String name) {
        phase = name;
    }

    synchronized String phase() {
        return phase;
    }

    synchronized void roundTrip(long nanos) {
        phases.computeIfAbsent(phase, p -> new Histogram(MAX_MICROS, 3))
                .recordValue(Math.min(MAX_MICROS, Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos))));
    }

    /** Per phase: count, p50, p99 and max in milliseconds. */
    synchronized Map<String, Map<String, Double>> latencies() {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        phases.forEach((name, h) -> {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("count", (double) h.getTotalCount());
            m.put("p50_ms", h.getValueAtPercentile(50) / 1000.0);
            m.put("p99_ms", h.getValueAtPercentile(99) / 1000.0);
            m.put("max_ms", h.getMaxValue() / 1000.0);
            out.put(name, m);
        });
        return out;
    }
}
