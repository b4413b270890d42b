package io.chainmux.mux;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Outbound bytes queued over all streams of a connection, kept by the event loop (messages sent from
 * other threads count once the loop takes them in) and readable from any thread. It caps the
 * connection's memory for outbound messages on top of the per-stream caps.
 *
 * <p>The cap has hysteresis, like Netty's channel water marks: once the queue reaches the limit the
 * connection counts as full until it has drained to half of it. Without the gap, every write pass
 * would free a little room that the first sender fills again, so a thousand refused streams would
 * be woken (and refused) again on every pass, one message each.
 */
final class SendBudget {
    private static final VarHandle QUEUED;
    private static final VarHandle BLOCKED;

    static {
        try {
            QUEUED = MethodHandles.lookup().findVarHandle(SendBudget.class, "queued", long.class);
            BLOCKED = MethodHandles.lookup().findVarHandle(SendBudget.class, "blocked", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long limit;
    private long queued;
    /**
     * The part of {@link #queued} held by send-blocked streams (their peer's reader is behind); written
     * by the loop only, read by senders on any thread (racy there, like the rest of the answer).
     */
    private long blocked;
    /** Set at the limit, cleared at half of it; written by the loop only. */
    private volatile boolean full;

    SendBudget(long limit) {
        this.limit = limit;
    }

    /** Loop only. */
    void add(long delta) {
        long q = queued + delta;
        QUEUED.setRelease(this, q);
        if (full) {
            if (q <= limit / 2) {
                full = false;
            }
        } else if (q >= limit) {
            full = true;
        }
    }

    /** Loop only: bytes that send-blocked streams queued or wrote ({@code delta < 0}), or that they hold as they turn blocked or flow again. */
    void addBlocked(long delta) {
        BLOCKED.setRelease(this, blocked + delta);
    }

    /**
     * Whether send-blocked streams hold at least half of the limit: then the connection is full because
     * peers stopped reading, and streams that still flow keep an allowance beyond it
     * ({@link SendFlowControl#FLOWING_ALLOWANCE}). Otherwise it is full of traffic that flows and
     * drains by itself, and every sender waits for it to drain to half, as the hysteresis says: an
     * allowance per flowing stream would let a thousand streams queue 64 MB beyond the limit.
     */
    boolean heldByBlocked() {
        return 2 * blocked() >= limit;
    }

    long blocked() {
        return (long) BLOCKED.getAcquire(this);
    }

    long queued() {
        return (long) QUEUED.getAcquire(this);
    }

    /** Whether {@code bytes} more fit within the limit, or nothing is queued (a message larger than the limit goes alone); loop only. */
    boolean fits(long bytes) {
        return queued == 0 || queued + bytes <= limit;
    }

    /** Whether sends are refused for the connection as a whole; any thread. */
    boolean isFull() {
        return full;
    }
}
