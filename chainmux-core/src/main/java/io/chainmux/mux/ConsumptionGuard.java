package io.chainmux.mux;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Refuses over-consumption of one stream's receive credit on the caller's thread, as Netty's local
 * flow controller refuses "too many bytes": {@link MuxStream#consumed} may return at most the charge
 * (length + 1 per message) delivered to the application and not yet returned. A second call for one
 * message, or a wrong length, fails that call and leaves the credit unchanged. Under-consumption (a
 * smaller length) cannot be told from a slow reader; it only holds credit back.
 *
 * <p>A stream's {@link StreamInbox} extends it, and it extends the stream's {@link InboundCredit}: one
 * object per stream for the three (it shares no state with the credit; the inheritance is only the
 * object's layout).
 *
 * <p>It only checks: what credit is due, and when, stays with {@link ReceiveFlowControl} and
 * {@link InboundCredit}.
 *
 * <p>Threading: three totals that only grow. {@code delivered} and {@code loopConsumed} are written
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
            DELIVERED = l.findVarHandle(ConsumptionGuard.class, "delivered", long.class);
            LOOP_CONSUMED = l.findVarHandle(ConsumptionGuard.class, "loopConsumed", long.class);
            FOREIGN_CONSUMED = l.findVarHandle(ConsumptionGuard.class, "foreignConsumed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile long delivered;
    private volatile long loopConsumed;
    private volatile long foreignConsumed;

    /** Loop only: a message of this charge goes to the application (before its listener may consume it). */
    void delivered(long charge) {
        DELIVERED.setRelease(this, delivered + charge);
    }

    /**
     * Takes {@code charge} from what is owed, or throws.
     *
     * @throws IllegalArgumentException if more than is owed
     */
    void take(long charge, boolean onLoop, MuxStream stream) {
        if (onLoop) {
            long loop = loopConsumed;
            check(charge, loop + (long) FOREIGN_CONSUMED.getAcquire(this), stream);
            LOOP_CONSUMED.setRelease(this, loop + charge);
            return;
        }
        for (;;) {
            long foreign = foreignConsumed;
            check(charge, foreign + (long) LOOP_CONSUMED.getAcquire(this), stream);
            if (FOREIGN_CONSUMED.compareAndSet(this, foreign, foreign + charge)) {
                return;
            }
        }
    }

    private void check(long charge, long returned, MuxStream stream) {
        long owed = (long) DELIVERED.getAcquire(this) - returned;
        if (charge > owed) {
            throw new IllegalArgumentException("consumed(" + (charge - 1) + ") on stream " + stream.describe()
                    + " returns more than was delivered: " + owed + " bytes of credit (length + 1 per message)"
                    + " are delivered and not yet consumed");
        }
    }
}
