package io.chainmux.mux;

/**
 * Receive-side credit of a stream or of the connection (a stream's is part of its {@link InboundCredit}). Credit is spent when DATA arrives and
 * returned when released (for a stream: when the application consumes it; for the connection: on
 * receipt), in batches of at least a quarter of the window:
 * over a long path a window-bound sender then moves 3/4 of window / RTT (with half-window batches,
 * 1/2: measured in docs/PERFORMANCE.md). With autotuning, a window whose last half was used up
 * within two round trips doubles (up to a cap), so throughput is not held at window / RTT.
 * Event-loop confined.
 */
class ReceiveWindow {
    /** An update goes out once this fraction of the window is owed. */
    static final int UPDATE_DIVISOR = 4;

    /*
     * Ints, as the size is (every stream's receive side holds them: 8,000 idle streams per node):
     * available + pending never exceed the size, and the credit returned since the check stays
     * below half of it once each update has checked it.
     */
    private int size;
    /** Bytes the peer may still send. */
    private int available;
    /** Bytes released (consumed, credited early, or received for the connection) but not yet returned to the peer. */
    private int pending;
    /**
     * When the current half window of returned credit began (the last growth check), to the
     * nanosecond but the lowest bit, which says whether that check found the window used up within two
     * round trips but could not grow it ({@link #growthDenied}): a boolean field would take every
     * stream's receive side (8,000 idle ones per node) 8 bytes over its size class.
     */
    private long checkStartNanos;
    /** Credit returned since {@link #checkStartNanos}. */
    private int returnedSinceCheck;

    ReceiveWindow(int initialSize, long nowNanos) {
        start(initialSize, nowNanos);
    }

    /** A window not started yet: empty until {@link #start}. */
    ReceiveWindow() {
    }

    /** Opens the window at {@code initialSize}, all of it available to the peer. */
    final void start(int initialSize, long nowNanos) {
        this.size = initialSize;
        this.available = initialSize;
        this.checkStartNanos = nowNanos & ~1L; // no growth denied yet
    }

    int size() {
        return size;
    }

    long available() {
        return available;
    }

    /** Whether the last growth check found the window too small (used up within two round trips) and could not grow it. */
    boolean growthDenied() {
        return (checkStartNanos & 1) != 0;
    }

    /** Credit released (consumed or credited early) and not yet sent back to the peer. */
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
        // Never more than was charged: an application that reports more consumption than arrived
        // must not hand the peer credit beyond the window.
        pending = (int) Math.min(pending + bytes, size - available);
        return pending >= Math.max(1, size / UPDATE_DIVISOR);
    }

    /**
     * Turns the pending credit into a WINDOW_UPDATE increment. Once half a window has been returned
     * since the last check, grows the window first if that half took less than two round trips;
     * otherwise the window may shrink toward {@code shrinkTo} by withholding pending credit (granted
     * credit cannot be taken back, but need not be renewed).
     *
     * @param growthCap    how many bytes the window may still grow by (0 disables autotuning)
     * @param rttNanos     the measured round-trip time, or 0 when unknown
     * @param shrinkTo     the size to shrink toward ({@code >= size()} keeps the size)
     * @param maxIncrement the most credit that may be granted now (the receive budget's room);
     *                     what it holds back stays pending
     * @return the increment to send, 0 for none
     */
    int takeUpdate(long nowNanos, long rttNanos, long growthCap, int shrinkTo, long maxIncrement) {
        long growth = 0;
        long returned = returnedSinceCheck + (long) pending; // up to 1.5 windows: checked before it is kept
        returnedSinceCheck = (int) Math.min(returned, Integer.MAX_VALUE);
        if (returned >= Math.max(1, size / 2)) {
            boolean wanted = rttNanos > 0 && nowNanos - checkStartNanos < 2 * rttNanos;
            if (growthCap > 0 && wanted) {
                growth = Math.min(size == 0 ? pending : size, growthCap);
            }
            checkStartNanos = (nowNanos & ~1L) | (wanted && growth == 0 ? 1 : 0);
            returnedSinceCheck = 0;
        }
        if (growth == 0 && shrinkTo < size) {
            long cut = Math.min(size - (long) shrinkTo, pending);
            size -= (int) cut;
            pending -= (int) cut;
        }
        long grantable = Math.max(0, Math.min(maxIncrement, Integer.MAX_VALUE - available));
        growth = Math.min(growth, Math.max(0, grantable - pending));
        size = (int) Math.min(Integer.MAX_VALUE, size + growth);
        long increment = Math.min(pending + growth, grantable);
        available += (int) increment; // within Integer.MAX_VALUE - available: grantable above
        pending -= (int) (increment - growth);
        if (available < 0 || pending < 0 || (long) available + pending > size) { // as OkHttp's WindowCounter
            throw new IllegalStateException("receive window accounting broken: size " + size + ", available "
                    + available + ", pending " + pending);
        }
        return (int) increment;
    }
}
