package io.chainmux.bench.scale;

import org.HdrHistogram.Histogram;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Round trips of the small-message network, one histogram per phase, and the message accounting:
 * sent (accepted by the transport), echoed, lost (no echo, no failure reported), and reported (no echo
 * because the stream failed under it: the transport said so). Thread-safe.
 *
 * <p>Each phase also keeps its first {@link #MAX_SAMPLES} round trips one by one: when each was sent
 * (seconds since this JVM started, the time base of {@code -Xlog:gc}), and its way out (to the echoing
 * peer's stamp) and back, so a slow tail can be placed against the restart, the collector's pauses and
 * the rest of the node's log.
 */
final class PingStats {
    static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(60);
    static final int MAX_SAMPLES = 20_000;
    /** nanoTime at this JVM's start (millisecond precision). */
    private static final long JVM_START_NANOS =
            System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(ManagementFactory.getRuntimeMXBean().getUptime());

    final LongAdder sent = new LongAdder();
    final LongAdder echoed = new LongAdder();
    final LongAdder lost = new LongAdder();
    final LongAdder reported = new LongAdder();
    private final Map<String, Histogram> phases = new LinkedHashMap<>();
    /**
     * The first phase's histogram (136 KiB), made with these figures: the node's heap before any
     * session (the bench's baseline for heap per stream) then holds the bench's own instrument already.
     */
    private Histogram first = new Histogram(MAX_MICROS, 3);
    private final Map<String, List<long[]>> samples = new LinkedHashMap<>();
    /**
     * The phases this node was told to enter, or recorded a round trip in, in order: one entered
     * without a round trip is reported too, with a count of 0. The initial phase is not listed until
     * then: a node restarted into a later phase reports no empty "form".
     */
    private final Set<String> entered = new LinkedHashSet<>();
    private String phase = "form";

    synchronized void phase(String name) {
        phase = name;
        entered.add(name);
    }

    synchronized String phase() {
        return phase;
    }

    /** One round trip: sent, stamped by the echoing peer (0: no stamp) and received, all nanoTime. */
    synchronized void roundTrip(long sentNanos, long echoNanos, long receivedNanos) {
        entered.add(phase);
        phases.computeIfAbsent(phase, p -> newHistogram())
                .recordValue(micros(receivedNanos - sentNanos));
        List<long[]> s = samples.computeIfAbsent(phase, p -> new ArrayList<>());
        if (s.size() < MAX_SAMPLES) {
            s.add(new long[] {sentNanos, echoNanos, receivedNanos});
        }
    }

    private Histogram newHistogram() {
        Histogram h = first != null ? first : new Histogram(MAX_MICROS, 3);
        first = null;
        return h;
    }

    private static long micros(long nanos) {
        return Math.min(MAX_MICROS, Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos)));
    }

    /**
     * Per phase entered: count, p50, p99 and max in milliseconds; a phase in which no round trip
     * completed (a heal shorter than the messages' interval) has a count of 0 and null percentiles.
     */
    synchronized Map<String, Map<String, Double>> latencies() {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (String name : entered) {
            Histogram h = phases.get(name);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("count", h == null ? 0.0 : (double) h.getTotalCount());
            m.put("p50_ms", h == null ? null : h.getValueAtPercentile(50) / 1000.0);
            m.put("p99_ms", h == null ? null : h.getValueAtPercentile(99) / 1000.0);
            m.put("max_ms", h == null ? null : h.getMaxValue() / 1000.0);
            out.put(name, m);
        }
        return out;
    }

    /**
     * The round trips of one phase in the order they were recorded, each {@code [sent_s, rtt_ms, out_ms,
     * back_ms]}: sent in seconds since this JVM started; out and back split at the echoing peer's stamp
     * (both -1 without one).
     */
    synchronized List<double[]> samples(String name) {
        List<double[]> out = new ArrayList<>();
        for (long[] s : samples.getOrDefault(name, List.of())) {
            boolean stamped = s[1] != 0;
            out.add(new double[] {
                    round((s[0] - JVM_START_NANOS) / 1e9),
                    round((s[2] - s[0]) / 1e6),
                    stamped ? round((s[1] - s[0]) / 1e6) : -1,
                    stamped ? round((s[2] - s[1]) / 1e6) : -1});
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
