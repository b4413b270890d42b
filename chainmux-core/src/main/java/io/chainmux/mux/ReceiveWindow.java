package io.chainmux.mux;

/**
 * Receive-side credit of a stream or of the connection. Credit is spent when DATA arrives and
 * returned only when the application consumes it, in batches of at least half the window. With
 * autotuning, a window that was used up within two round trips of its last update doubles (up to
 * a cap), so throughput is not held at window / RTT. Event-loop confined.
 */
final class ReceiveWindow {
    private int size;
    /** Bytes the peer may still send. */
    private long available;
    /** Bytes consumed by the application but not yet returned to the peer. */
    private long pending;
    private long lastUpdateNanos;

    ReceiveWindow(int initialSize, long nowNanos) {
        this.size = initialSize;
        this.available = initialSize;
        this.lastUpdateNanos = nowNanos;
    }

    int size() {
        return size;
    }

    long available() {
        return available;
    }

    /** Spends credit for an arriving frame; false if the peer exceeded the window. */
    boolean charge(int bytes) {
        if (bytes > available) {
            return false;
        }
        available -= bytes;
        return true;
    }

    /**
     * Records consumed bytes and decides whether to return credit now.
     *
     * @param growthCap how many bytes the window may still grow by (0 disables autotuning)
     * @param rttNanos  the measured round-trip time, or 0 when unknown
     * @return the WINDOW_UPDATE increment to send now, or 0 to wait for more consumption
     */
    int consume(int bytes, long nowNanos, long rttNanos, long growthCap) {
        pending += bytes;
        if (pending < Math.max(1, size / 2)) {
            return 0;
        }
        long growth = 0;
        if (growthCap > 0 && rttNanos > 0 && nowNanos - lastUpdateNanos < 2 * rttNanos) {
            growth = Math.min(size == 0 ? pending : size, growthCap);
        }
        size = (int) Math.min(Integer.MAX_VALUE, size + growth);
        long increment = Math.min(pending + growth, Integer.MAX_VALUE - available);
        available += increment;
        pending = 0;
        lastUpdateNanos = nowNanos;
        return (int) increment;
    }
}
