package io.chainmux.endpoint;

import io.chainmux.mux.MuxConnection;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures the load of a peer's stripes when a stream is placed: streams and queued bytes as they are,
 * and the send rate from the connections' byte counters between two placements at least
 * {@link #SAMPLE_NANOS} apart (a burst of opens reuses the last rate). Thread-safe; reads the
 * connections' counters racily, which is fine for a placement hint.
 */
final class StripeMeter {
    static final long SAMPLE_NANOS = 100_000_000L;

    private static final class Sample {
        long bytesOut;
        long atNanos;
        long rate;

        Sample(long bytesOut, long atNanos) {
            this.bytesOut = bytesOut;
            this.atNanos = atNanos;
        }
    }

    private final Map<MuxConnection, Sample> samples = new IdentityHashMap<>();

    /** The load of each stripe, in order; forgets stripes no longer listed. */
    synchronized List<StripeLoad> measure(List<MuxConnection> stripes, long nowNanos) {
        samples.keySet().removeIf(s -> !containsIdentity(stripes, s));
        List<StripeLoad> loads = new ArrayList<>(stripes.size());
        for (MuxConnection s : stripes) {
            long out = s.stats().bytesOut();
            Sample sample = samples.computeIfAbsent(s, k -> new Sample(out, nowNanos));
            long elapsed = nowNanos - sample.atNanos;
            if (elapsed >= SAMPLE_NANOS) {
                sample.rate = Math.max(0, (long) ((out - sample.bytesOut) * 1e9 / elapsed));
                sample.bytesOut = out;
                sample.atNanos = nowNanos;
            }
            loads.add(new StripeLoad(Math.max(0, s.load()), Math.max(0, s.queuedBytes()), sample.rate));
        }
        return loads;
    }

    private static boolean containsIdentity(List<MuxConnection> list, MuxConnection s) {
        for (MuxConnection x : list) {
            if (x == s) {
                return true;
            }
        }
        return false;
    }
}
