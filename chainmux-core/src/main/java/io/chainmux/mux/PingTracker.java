package io.chainmux.mux;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A connection's PINGs and the round-trip time they measure: at most {@link #MAX_PINGS_IN_FLIGHT}
 * outstanding, each answered by the peer's PING ACK with the same opaque value, the smoothed RTT
 * (7/8 old + 1/8 sample, as TCP's SRTT) that window autotuning and the pipe budget use.
 *
 * <p>The opaque values are random, not a counter: an answer proves the peer read our PING, which is
 * what {@link ProgressWatchdog} relies on to tell a peer that reads nothing from one that is quiet.
 *
 * <p>Loop only, except {@link #rttNanos}.
 */
final class PingTracker {
    static final int MAX_PINGS_IN_FLIGHT = 32;

    private final MuxConnection connection;
    private final Map<Long, PendingPing> pings = new HashMap<>();
    private volatile long rttNanos;

    PingTracker(MuxConnection connection) {
        this.connection = connection;
    }

    /** Smoothed round-trip time in nanoseconds, 0 before the first measurement; any thread. */
    long rttNanos() {
        return rttNanos;
    }

    /** Sends a PING whose answer completes {@code f} with the round trip; {@code f} fails if it cannot. */
    void send(CompletableFuture<Duration> f) {
        if (pings.size() >= MAX_PINGS_IN_FLIGHT) {
            f.completeExceptionally(new IllegalStateException(MAX_PINGS_IN_FLIGHT + " pings already in flight"));
            return;
        }
        long opaque = ThreadLocalRandom.current().nextLong();
        while (pings.containsKey(opaque)) {
            opaque = ThreadLocalRandom.current().nextLong();
        }
        pings.put(opaque, new PendingPing(connection.now(), f));
        OutboundWriter writer = connection.writer;
        writer.ping(false, opaque);
        writer.controlFrameQueued();
        writer.requestWrite();
    }

    /** The peer answered one of our PINGs: a round-trip sample. */
    void acked(long opaque) {
        PendingPing p = pings.remove(opaque);
        if (p != null) {
            long sample = Math.max(1, connection.now() - p.startNanos);
            long r = rttNanos;
            rttNanos = r == 0 ? sample : (7 * r + sample) / 8;
            p.future.complete(Duration.ofNanos(sample));
        }
    }

    /** When the oldest PING still unanswered was sent (loop-ticker nanos), or -1 if none is. */
    long oldestUnansweredNanos() {
        long oldest = -1;
        for (PendingPing p : pings.values()) {
            if (oldest < 0 || p.startNanos - oldest < 0) {
                oldest = p.startNanos;
            }
        }
        return oldest;
    }

    /** The connection closed: every PING still waiting fails with {@code reason}. */
    void failAll(CloseReason reason) {
        for (PendingPing p : pings.values()) {
            p.future.completeExceptionally(new ClosedException("connection closed before the PING was answered", reason));
        }
        pings.clear();
    }

    private record PendingPing(long startNanos, CompletableFuture<Duration> future) {}
}
