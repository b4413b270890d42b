package io.chainmux.mux;

/**
 * Whether doubling a stream's receive window paid: a {@link ReceiveWindow} doubles only when credit
 * came back quickly (a window used up within two round trips), and this keeps the doubling only if
 * credit then comes back at least {@link #PAYING_GAIN} times faster. A window that limits the sender
 * (a long path) moves about twice as much once doubled; one that does not (the reader or the cores
 * are the limit, as on loopback, where an RTT measured in-band includes the queue, so any window
 * looks used up within two round trips) moves the same, and the doubling is given back: a window
 * grown past what pays only adds bytes in flight (on loopback, where sender and receiver share the
 * cores and caches, a 16 MiB window moved a quarter less than a 1-2 MiB one: docs/PERFORMANCE.md).
 * After a doubling that did not pay, growth rests for {@link #REST_NANOS}, twice as long after each
 * further one (up to {@link #MAX_REST_DOUBLINGS} times), then probes again.
 *
 * <p>Rates are measured over two growth checks (a whole window of returned credit), not one: a
 * window-bound sender's data arrives in one burst per round trip, and half a window may fall inside
 * a burst or across the gap between two; a whole window spans one round trip either way. The
 * verdict on a doubling waits for the third check after it: the first spans the round trip in which
 * the new credit reaches the sender and its data comes back.
 *
 * <p>Only a window that has completed a growth check has one (idle streams hold none). Event-loop
 * confined.
 */
final class GrowthProbe {
    /** A doubling pays when credit comes back at least this much faster. */
    static final float PAYING_GAIN = 1.3f;
    /** How long growth rests after a doubling that did not pay. */
    static final long REST_NANOS = 250_000_000L;
    /** Doublings in a row that did not pay double the rest, up to this many times (4 s). */
    static final int MAX_REST_DOUBLINGS = 4;
    /** The check that gives the verdict on a doubling (see the class comment). */
    private static final int VERDICT_CHECK = 3;

    /** When the previous check began, and the credit it returned; 0 bytes before the first check. */
    private long previousStartNanos;
    private int previousReturned;
    private boolean previousQuick;
    /** Nanoseconds per byte over the two checks before the last doubling. */
    private float baseline;
    /**
     * The size before the last doubling while its verdict is due (positive); the size to shrink back
     * to after one that did not pay (negative); 0 otherwise.
     */
    private int from;
    private byte checksSinceDoubling;
    private byte unpaid;
    private boolean resting;
    private long restUntilNanos;

    /**
     * A growth check completed: {@code returned} bytes of credit since {@code startNanos}, used up
     * within two round trips ({@code quick}) or not.
     *
     * @return whether the window may double at this check: nothing is being probed or given back,
     *         growth is not resting, and the rate to measure the doubling against is known and was
     *         quick (a span that includes a pause would make any doubling look paying)
     */
    boolean check(long nowNanos, long startNanos, long returned, boolean quick) {
        boolean known = previousReturned > 0 && previousQuick;
        previousQuick = quick;
        float span = (float) (nowNanos - previousStartNanos) / (previousReturned + returned);
        previousStartNanos = startNanos;
        previousReturned = (int) Math.min(Integer.MAX_VALUE, returned);
        if (resting && nowNanos - restUntilNanos >= 0) {
            resting = false;
        }
        if (from > 0 && ++checksSinceDoubling == VERDICT_CHECK) {
            if (span * PAYING_GAIN > baseline) { // not faster: give the doubling back, and rest
                from = -from;
                resting = true;
                restUntilNanos = nowNanos + (REST_NANOS << unpaid);
                unpaid = (byte) Math.min(unpaid + 1, MAX_REST_DOUBLINGS);
            } else {
                from = 0;
                unpaid = 0;
            }
        }
        if (from == 0) {
            baseline = span; // what a doubling at this check is measured against
        }
        return known && from == 0 && !resting;
    }

    /** The window doubled from {@code size}: the third check from now tells whether it paid. */
    void doubled(int size) {
        from = size;
        checksSinceDoubling = 0;
    }

    /** The size to shrink back to after a doubling that did not pay, or {@link Integer#MAX_VALUE}. */
    int giveBackTo() {
        return from < 0 ? -from : Integer.MAX_VALUE;
    }

    /** The window is now {@code size}: once back where the unpaid doubling started, giving back ends. */
    void resized(int size) {
        if (from < 0 && size <= -from) {
            from = 0;
        }
    }

    /** Whether growth is held back by the probe (a doubling awaits its verdict, is given back, or growth rests). */
    boolean holding() {
        return from != 0 || resting;
    }
}
