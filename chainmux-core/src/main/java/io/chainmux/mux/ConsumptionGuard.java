package io.chainmux.mux;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Refuses over-consumption of one stream's receive credit on the caller's thread, as Netty's local
 * flow controller refuses "too many bytes": {@link MuxStream#consumed} may return at most the charge
 * (length + 1 per message) delivered to the application and not yet returned. A second call for one
 * message, or a wrong length, fails that call and leaves the credit unchanged. Messages lent to a
 * {@link LentMessageListener} never pass through it: they are consumed when the callback returns, so
 * a {@code consumed} call on such a stream finds nothing owed and fails. Under-consumption (a
 * smaller length) cannot be told from a slow reader; it only holds credit back.
 *
 * <p>A stream's {@link StreamInbox} extends it, and it extends the stream's {@link InboundCredit}: one
 * object per stream for the three (it shares no state with the credit; the inheritance is only the
 * object's layout).
 *
 * <p>It only checks: what credit is due, and when, stays with {@link ReceiveFlowControl} and
 * {@link InboundCredit}.
 *
 * <p>Threading: three totals that only grow, as ints that wrap around (8,000 idle streams per node),
 * read like TCP's sequence numbers: what counts is their difference, the charge delivered and not yet
 * returned, read as unsigned. It stays below 2^32: at most one message's charge (up to 2^31) was
 * credited before it was whole; whatever else is unconsumed lies within the stream's window (below
 * 2^31). {@code delivered} and {@code loopConsumed} are written
 * by the event loop only, so the loop pays two reads and a store per message, no atomic operation;
 * other threads add to {@code foreignConsumed} by CAS. A call on the loop racing one on another
 * thread for the same message (a double consumption already) may go unnoticed; a correct caller is
 * never refused.
 */
class ConsumptionGuard extends InboundCredit {
    private static final VarHandle DELIVERED;
    private static final VarHandle LOOP_CONSUMED;
    private static final VarHandle FOREIGN_CONSUMED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            DELIVERED = l.findVarHandle(ConsumptionGuard.class, "delivered", int.class);
            LOOP_CONSUMED = l.findVarHandle(ConsumptionGuard.class, "loopConsumed", int.class);
            FOREIGN_CONSUMED = l.findVarHandle(ConsumptionGuard.class, "foreignConsumed", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int delivered;
    private volatile int loopConsumed;
    private volatile int foreignConsumed;

    /** Loop only: a message of this charge goes to the application (before its listener may consume it). */
    void delivered(long charge) {
        DELIVERED.setRelease(this, delivered + (int) charge);
    }

    /**
     * Takes {@code charge} from what is owed, or throws.
     *
     * @throws IllegalArgumentException if more than is owed
     */
    void take(long charge, boolean onLoop, MuxStream stream) {
        if (onLoop) {
            int loop = loopConsumed;
            check(charge, loop + (int) FOREIGN_CONSUMED.getAcquire(this), stream);
            LOOP_CONSUMED.setRelease(this, loop + (int) charge); // within what is owed (checked): below 2^32
            return;
        }
        for (;;) {
            int foreign = foreignConsumed;
            check(charge, foreign + (int) LOOP_CONSUMED.getAcquire(this), stream);
            if (FOREIGN_CONSUMED.compareAndSet(this, foreign, foreign + (int) charge)) {
                return;
            }
        }
    }

    private void check(long charge, int returned, MuxStream stream) {
        long owed = Integer.toUnsignedLong((int) DELIVERED.getAcquire(this) - returned);
        if (charge > owed) {
            throw new IllegalArgumentException("consumed(" + (charge - 1) + ") on stream " + stream.describe()
                    + " returns more than was delivered: " + owed + " bytes of credit (length + 1 per message)"
                    + " are delivered and not yet consumed"
                    + (stream.lends() ? " (its LentMessageListener's messages count as consumed when the callback returns)" : ""));
        }
    }
}
