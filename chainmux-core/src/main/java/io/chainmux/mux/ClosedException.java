package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;

/**
 * A call on something already closed: a stream, a connection, a peer or an endpoint. Its
 * {@link #reason()} says who closed it and why, by code, so a caller never parses message text:
 * {@link ErrorCode#CONNECTION_LOST} means the connection broke; another local code means this side
 * closed it (half-closed by {@code close()}, reset, shut down); a remote reason means the peer did.
 */
public final class ClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final transient CloseReason reason;

    public ClosedException(String what, CloseReason reason) {
        super(what + ": " + reason);
        this.reason = reason;
    }

    /** Closed by this side, normally (NO_ERROR): a close or a shutdown of ours, not a failure. */
    public static ClosedException byUs(String what, String why) {
        return new ClosedException(what, CloseReason.local(ErrorCode.NO_ERROR, why));
    }

    public CloseReason reason() {
        return reason;
    }

    /** Whether the connection broke (as opposed to a close by either side). */
    public boolean connectionLost() {
        return reason.code() == ErrorCode.CONNECTION_LOST;
    }

    /** Whether this side closed it (a close, a reset or a shutdown of ours; not a broken connection). */
    public boolean closedByUs() {
        return !reason.remote() && !connectionLost();
    }
}
