package io.chainmux.bench.fairness;

import org.HdrHistogram.Recorder;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The receiving application of a fairness part, shared by every transport: bytes delivered per
 * saturating chain, the latency of small messages (send to delivery, one JVM, one clock) and the bytes
 * the receiver holds for stalled chains. Thread-safe: receivers call it from their event loops.
 */
final class Sink {
    private final AtomicLongArray delivered;
    private final Recorder latency = new Recorder(3);
    private final LongAdder held = new LongAdder();

    /** @param slots saturating chains counted, indices 0 .. slots-1 */
    Sink(int slots) {
        delivered = new AtomicLongArray(slots);
    }

    /** A whole message handed to the application. */
    void onMessage(int tag, long sentAtNanos, int length) {
        switch (Chains.kind(tag)) {
            case Chains.SATURATING -> delivered.addAndGet(Chains.index(tag), length);
            case Chains.SMALL -> latency.recordValue(Math.max(0, System.nanoTime() - sentAtNanos));
            case Chains.STALLED -> held.add(length);
            default -> throw new IllegalStateException("unknown chain tag " + Integer.toHexString(tag));
        }
    }

    long[] snapshot() {
        long[] s = new long[delivered.length()];
        for (int i = 0; i < s.length; i++) {
            s[i] = delivered.get(i);
        }
        return s;
    }

    /** Bytes of stalled chains that reached the receiving application (which never reads them). */
    long held() {
        return held.sum();
    }

    /** Latencies since the previous call (the first call discards the warm-up). */
    org.HdrHistogram.Histogram latencies() {
        return latency.getIntervalHistogram();
    }
}
