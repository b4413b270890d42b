package io.chainmux.mux;

/**
 * Receive-side credit of a stream or of the connection. Credit is spent when DATA arrives and
 * returned only when the application consumes it, in batches of at least a quarter of the window:
 * over a long path a window-bound sender then moves 3/4 of window / RTT (with half-window batches,
 * 1/2: measured in docs/PERFORMANCE.md). With autotuning, a window whose last half was used up
 * within two round trips doubles (up to a cap), so throughput is not held at window / RTT.
 * Event-loop confined.
 */
final class ReceiveWindow {
    /** An update goes out once this fraction of the window is owed. */
    static final int UPDATE_DIVISOR = 4;

    private int size;
    /** Bytes the peer may still send. */
    private long available;
    /** Bytes consumed by the application but not yet returned to the peer. */
    private long pending;
    /** When the current half window of returned credit began (the last growth check). */
    private long checkStartNanos;
    /** Credit returned since {@link #checkStartNanos}. */
    private long returnedSinceCheck;

    ReceiveWindow(int initialSize, long nowNanos) {
        this.size = initialSize;
        this.available = initialSize;
        this.checkStartNanos = nowNanos;
    }

    int size() {
        return size;
    }

    long available() {
        return available;
    }

    /** Credit consumed (or released early) and not yet sent back in a WINDOW_UPDATE. */
    long pending() {
        return pending;
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
        return pending >= Math.max(1, size / UPDATE_DIVISOR);
    }

    /**
     * Turns the pending credit into a WINDOW_UPDATE increment. Once half a window has been returned
     * since the last check, grows the window first if that half took less than two round trips.
     *
     * @param growthCap how many bytes the window may still grow by (0 disables autotuning)
     * @param rttNanos  the measured round-trip time, or 0 when unknown
     */
    int takeUpdate(long nowNanos, long rttNanos, long growthCap) {
        long growth = 0;
        returnedSinceCheck += pending;
        if (returnedSinceCheck >= Math.max(1, size / 2)) {
            if (growthCap > 0 && rttNanos > 0 && nowNanos - checkStartNanos < 2 * rttNanos) {
                growth = Math.min(size == 0 ? pending : size, growthCap);
            }
            checkStartNanos = nowNanos;
            returnedSinceCheck = 0;
        }
        size = (int) Math.min(Integer.MAX_VALUE, size + growth);
        long increment = Math.min(pending + growth, Integer.MAX_VALUE - available);
        available += increment;
        pending -= Math.min(pending, increment);
        return (int) increment;
    }
}
