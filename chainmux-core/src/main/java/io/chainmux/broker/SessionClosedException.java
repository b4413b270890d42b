package io.chainmux.broker;

import io.chainmux.mux.CloseReason;

/** The P2P connection under a session ended: the peer closed, the connection failed, or a timeout. */
public final class SessionClosedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient CloseReason reason;

    public SessionClosedException(CloseReason reason) {
        super(reason.toString(), null, false, false);
        this.reason = reason;
    }

    public CloseReason reason() {
        return reason;
    }
}
