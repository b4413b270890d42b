package io.chainmux.mux;

/**
 * Lifecycle of a stream, as this side sees it (docs/PROTOCOL.md, streams). The transitions are
 * made by {@link MuxStream} only.
 */
public enum StreamState {
    /** Opened locally; the OPEN waits for the peer's stream credit. */
    NEW,
    /** OPEN sent; waiting for ACCEPT. Data may already flow toward the peer. */
    OPENING,
    /** OPEN received; waiting for the application to accept or refuse. */
    PENDING_ACCEPT,
    /** Both directions open. */
    OPEN,
    /** We sent FIN; the peer may still send. */
    HALF_CLOSED_LOCAL,
    /** The peer sent FIN; we may still send. */
    HALF_CLOSED_REMOTE,
    /** Terminal: both FINs, a reset, a refusal or a lost connection. */
    CLOSED;

    public boolean canSend() {
        return this == NEW || this == OPENING || this == OPEN || this == HALF_CLOSED_REMOTE;
    }

    public boolean canReceive() {
        return this == OPENING || this == PENDING_ACCEPT || this == OPEN || this == HALF_CLOSED_LOCAL;
    }
}
