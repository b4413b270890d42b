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
     * Records bytes the application consumed (or fragments credited early).
     *
     * @return true once enough is pending that an update should go out: call {@link #takeUpdate}
     */
    boolean addPending(long bytes) {
        pending += bytes;
        return pending >= Math.max(1, size / 2);
    }

    /**
     * Turns the pending credit into a WINDOW_UPDATE increment, growing the window first when it was
     * used up within two round trips of the last update.
     *
     * @param growthCap how many bytes the window may still grow by (0 disables autotuning)
     * @param rttNanos  the measured round-trip time, or 0 when unknown
     */
    int takeUpdate(long nowNanos, long rttNanos, long growthCap) {
        long growth = 0;
        if (growthCap > 0 && rttNanos > 0 && nowNanos - lastUpdateNanos < 2 * rttNanos) {
            growth = Math.min(size == 0 ? pending : size, growthCap);
        }
        size = (int) Math.min(Integer.MAX_VALUE, size + growth);
        long increment = Math.min(pending + growth, Integer.MAX_VALUE - available);
        available += increment;
        pending -= Math.min(pending, increment);
        lastUpdateNanos = nowNanos;
        return (int) increment;
    }
}
