package io.chainmux.node.demo;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Small-message counters and echo round-trip latencies of one node, recorded by its gossip sessions
 * (any thread) and read by the node's reports. Latencies are kept per {@link Phase} and as an interval
 * recorder for the progress display.
 */
final class GossipStats {
    /** Where the run was when a round trip ended. */
    enum Phase {
        /** Nodes starting, connecting, JIT compiling: not part of the summary's latency figures. */
        SETUP,
        /** The warm-up before the late node starts: small messages only (plus idle sync checks). */
        BASELINE,
        /** The late node is catching up: bulk and small messages share the connections. */
        CATCHUP,
        /** After the catch-up. */
        AFTER
    }

    /** Histograms count microseconds, 3 significant digits, growing as needed. */
    static final int DIGITS = 3;

    final LongAdder sent = new LongAdder();
    final LongAdder echoed = new LongAdder();
    final LongAdder lost = new LongAdder();
    final LongAdder corrupt = new LongAdder();
    final LongAdder failedReported = new LongAdder();
    final LongAdder skipped = new LongAdder();
    final LongAdder received = new LongAdder();
    private final ConcurrentHistogram[] byPhase = new ConcurrentHistogram[Phase.values().length];
    private final Recorder interval = new Recorder(DIGITS);
    private volatile Phase phase = Phase.SETUP;

    GossipStats() {
        for (int i = 0; i < byPhase.length; i++) {
            byPhase[i] = new ConcurrentHistogram(DIGITS);
        }
    }

    void phase(Phase p) {
        phase = p;
    }

    Phase phase() {
        return phase;
    }

    void roundTrip(long nanos) {
        long micros = Math.max(1, TimeUnit.NANOSECONDS.toMicros(nanos));
        byPhase[phase.ordinal()].recordValue(micros);
        interval.recordValue(micros);
    }

    /** Round trips since the previous call (single reader: the node's reporter). */
    synchronized Histogram takeInterval() {
        return interval.getIntervalHistogram();
    }

    /** A copy of the round trips recorded in {@code p}. */
    Histogram phaseCopy(Phase p) {
        Histogram h = new Histogram(DIGITS);
        h.add(byPhase[p.ordinal()]);
        return h;
    }
}
