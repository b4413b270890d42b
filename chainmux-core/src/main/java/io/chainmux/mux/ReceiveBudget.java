package io.chainmux.mux;

/**
 * The receive memory budget of one connection: every byte of stream credit granted to the peer and
 * not yet settled, over all streams. A stream's commitment starts at the initial stream window,
 * grows with every WINDOW_UPDATE sent for it, and is settled when the application consumes a
 * message (by its charge) or, for whatever is left, when the stream ends. Since data can arrive only
 * within credit, and is held only until it is consumed or its stream ends, the commitment bounds
 * what the peer can make us hold in windows and unread messages, whatever it does.
 *
 * <ul>
 *   <li>A new stream is admitted only if its floor (the initial stream window) fits.</li>
 *   <li>Renewing credit that consumption freed may use the whole budget.</li>
 *   <li>Window growth (autotuning) may use it only up to {@link #GROWTH_SHARE_PERCENT}: the rest is
 *       kept for the floors of streams yet to open. Above that share, renewals shrink grown windows
 *       back toward the floor ({@link ReceiveFlowControl}).</li>
 * </ul>
 *
 * <p>Like OkHttp's {@code WindowCounter}, every update checks the invariant (0 &lt;= committed
 * &lt;= limit) and throws on a violation: an accounting bug must not pass silently. Event-loop
 * confined; the current value and its peak are mirrored in {@link MuxStats}.
 */
final class ReceiveBudget {
    /** Growth may take the budget up to this share; the rest is reserved for new streams' floors. */
    static final int GROWTH_SHARE_PERCENT = 75;

    private final long limit;
    private final long growthLimit;
    private final MuxStats stats;
    private long committed;

    ReceiveBudget(long limit, MuxStats stats) {
        this.limit = limit;
        this.growthLimit = limit / 100 * GROWTH_SHARE_PERCENT;
        this.stats = stats;
    }

    long limit() {
        return limit;
    }

    /** The most that growth may take the commitment to. */
    long growthLimit() {
        return growthLimit;
    }

    long committed() {
        return committed;
    }

    /** Credit that may still be granted. */
    long room() {
        return limit - committed;
    }

    /** Credit that may still be granted as window growth. */
    long growthRoom() {
        return Math.max(0, growthLimit - committed);
    }

    /** Whether growth has used its share: grown windows should shrink when renewed. */
    boolean underPressure() {
        return committed > growthLimit;
    }

    /** Commits a new stream's floor if it fits; false (nothing committed) if not. */
    boolean admit(long floor) {
        if (floor > room()) {
            return false;
        }
        commit(floor);
        return true;
    }

    /** Commits credit granted to the peer; the caller has checked {@link #room()}. */
    void commit(long bytes) {
        update(committed + bytes);
    }

    /** Settles credit that no longer bounds anything: consumed, or its stream ended. */
    void settle(long bytes) {
        update(committed - bytes);
    }

    private void update(long value) {
        if (value < 0 || value > limit) {
            throw new IllegalStateException("receive budget accounting broken: committed would be " + value
                    + " of " + limit);
        }
        committed = value;
        stats.receiveCommitted = value;
        if (value > stats.receiveCommittedPeak) {
            stats.receiveCommittedPeak = value;
        }
    }
}
