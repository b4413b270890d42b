package io.chainmux.mux;

/**
 * Receive-side credit of a stream or of the connection (a stream's is part of its {@link InboundCredit}). Credit is spent when DATA arrives and
 * returned when released (for a stream: when the application consumes it; for the connection: on
 * receipt), in batches of at least a quarter of the window:
 * over a long path a window-bound sender then moves 3/4 of window / RTT (with half-window batches,
 * 1/2: measured in docs/PERFORMANCE.md). With autotuning, a window whose last half was used up
 * within two round trips doubles (up to a cap), so throughput is not held at window / RTT.
 *
 * <p>Growth must pay ({@link GrowthProbe}): a doubling that does not make credit come back faster
 * is given back, and growth rests.
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
    /** When the current half window of returned credit began (the last growth check). */
    private long checkStartNanos;
    /** Credit returned since {@link #checkStartNanos}. */
    private int returnedSinceCheck;
    /** The last growth check found the window used up within two round trips but could not grow it. */
    private boolean growthDenied;
    /** Whether growth paid, from the first growth check on (null before: idle streams hold none). */
    private GrowthProbe probe;

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
        this.checkStartNanos = nowNanos;
    }

    int size() {
        return size;
    }

    long available() {
        return available;
    }

    /** Whether the last growth check found the window too small (used up within two round trips) and could not grow it. */
    boolean growthDenied() {
        return growthDenied;
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
     * since the last check, grows the window first if that half took less than two round trips and
     * growth is not resting, and checks whether the last doubling paid ({@link GrowthProbe});
     * otherwise the window may shrink toward {@code shrinkTo} (or back from a doubling that did not
     * pay) by withholding pending credit (granted credit cannot be taken back, but need not be renewed).
     *
     * @param growthCap    how many bytes the window may still grow by (0 disables autotuning)
     * @param rttNanos     the measured round-trip time, or 0 when unknown
     * @param shrinkTo     the size to shrink toward ({@code >= size()} keeps the size)
     * @param maxIncrement the most credit that may be granted now (the receive budget's room);
     *                     what it holds back stays pending
     * @param probe        whether growth must pay: false for a window that must never withhold
     *                     credit (the connection's: the sender's pipe budget counts every byte it sent
     *                     as unread until its connection credit comes back), and for a stream's beside
     *                     other grown ones (the sender's scheduler divides the connection by weight);
     *                     a probe in progress is dropped then, with any doubling it was giving back
     * @return the increment to send, 0 for none
     */
    int takeUpdate(long nowNanos, long rttNanos, long growthCap, int shrinkTo, long maxIncrement, boolean probe) {
        long growth = 0;
        if (!probe) {
            this.probe = null;
        }
        long returned = returnedSinceCheck + (long) pending; // up to 1.5 windows: checked before it is kept
        returnedSinceCheck = (int) Math.min(returned, Integer.MAX_VALUE);
        if (returned >= Math.max(1, size / 2)) {
            long elapsed = nowNanos - checkStartNanos;
            boolean wanted = rttNanos > 0 && elapsed < 2 * rttNanos;
            boolean allowed = true;
            if (probe && (growthCap > 0 || this.probe != null)) { // at the cap too: a doubling to it awaits its verdict
                if (this.probe == null) {
                    this.probe = new GrowthProbe();
                }
                allowed = this.probe.check(nowNanos, checkStartNanos, returned, wanted);
            }
            if (growthCap > 0 && wanted && allowed) {
                growth = Math.min(size == 0 ? pending : size, growthCap);
            }
            growthDenied = wanted && growth == 0 && allowed;
            checkStartNanos = nowNanos;
            returnedSinceCheck = 0;
        }
        if (this.probe != null) {
            shrinkTo = Math.min(shrinkTo, this.probe.giveBackTo());
        }
        if (growth == 0 && shrinkTo < size) {
            // Withheld credit must leave the peer enough to reach the next update: once what it holds
            // and what is pending (available + pending - cut) has come back, a quarter of the new
            // size must be owed, or a peer at the window's edge (a message in progress whose
            // fragments are credited on arrival) would wait for an update that never comes.
            long live = Math.max(0, (UPDATE_DIVISOR * ((long) available + pending) - size) / (UPDATE_DIVISOR - 1));
            long cut = Math.min(Math.min(size - (long) shrinkTo, pending), live);
            size -= (int) cut;
            pending -= (int) cut;
            if (this.probe != null) {
                this.probe.resized(size);
            }
        }
        long grantable = Math.max(0, Math.min(maxIncrement, Integer.MAX_VALUE - available));
        growth = Math.min(growth, Math.max(0, grantable - pending));
        if (growth > 0 && this.probe != null) {
            this.probe.doubled(size);
        }
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
