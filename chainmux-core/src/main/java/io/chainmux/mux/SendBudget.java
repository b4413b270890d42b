package io.chainmux.mux;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Outbound bytes queued over all streams of a session, kept by the event loop (messages sent from
 * other threads count once the loop takes them in) and readable from any thread. It caps the
 * session's memory for outbound messages on top of the per-stream caps.
 */
final class SendBudget {
    private static final VarHandle QUEUED;

    static {
        try {
            QUEUED = MethodHandles.lookup().findVarHandle(SendBudget.class, "queued", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long limit;
    private long queued;

    SendBudget(long limit) {
        this.limit = limit;
    }

    /** Loop only. */
    void add(long delta) {
        QUEUED.setRelease(this, queued + delta);
    }

    long queued() {
        return (long) QUEUED.getAcquire(this);
    }

    boolean hasRoom() {
        return queued() < limit;
    }
}
