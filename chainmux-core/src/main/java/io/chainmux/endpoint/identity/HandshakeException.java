package io.chainmux.endpoint.identity;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.MuxException;

import java.util.Objects;

/**
 * The identity handshake failed; {@link #reason()} says why in a form fit for a metric label, the
 * message says it for a human (naming the peer ids involved). The connection must be closed,
 * after a GO_AWAY with {@link #errorCode()}.
 */
public final class HandshakeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a handshake failed; one counter per constant. */
    public enum Reason {
        /** The peer's key is our own: we dialed ourselves (e.g. our own advertised address). */
        SELF_DIAL(ErrorCode.HANDSHAKE_FAILED),
        /** The dialer expected a different peer id at that address. */
        UNEXPECTED_PEER(ErrorCode.HANDSHAKE_FAILED),
        /** The peer's AUTH signature does not verify over the transcript. */
        BAD_SIGNATURE(ErrorCode.HANDSHAKE_FAILED),
        /** TLS mode: the TLS certificate key differs from the HELLO key (a relay, or a broken peer). */
        TLS_KEY_MISMATCH(ErrorCode.HANDSHAKE_FAILED),
        /**
         * A HELLO or AUTH that does not decode, or arrives out of order (PROTOCOL_ERROR or
         * FRAME_SIZE_ERROR), or a dialer's HELLO with stripe fields out of range (HANDSHAKE_FAILED).
         */
        MALFORMED(ErrorCode.PROTOCOL_ERROR),
        /**
         * The peer's first bytes are not the chainmux preamble magic: not a chainmux peer. The connection
         * is closed without a GO_AWAY (raised by the endpoint).
         */
        NOT_CHAINMUX(ErrorCode.PROTOCOL_ERROR),
        /** The preambles have no protocol version in common (raised by the endpoint). */
        VERSION_MISMATCH(ErrorCode.UNSUPPORTED_VERSION),
        /** Preamble, HELLO and AUTH did not complete within the handshake deadline (raised by the endpoint). */
        TIMEOUT(ErrorCode.HANDSHAKE_FAILED),
        /** Both nodes dialed each other for the same stripe; the other connection is kept (raised by the endpoint). */
        CROSSED(ErrorCode.CROSSED_CONNECTION),
        /** A connection limit refused the connection (raised by the endpoint). */
        LIMIT(ErrorCode.REFUSED_CONNECTION),
        /** One side runs TLS and the other plaintext (raised by the endpoint, which names which side is which). */
        TLS_MISMATCH(ErrorCode.HANDSHAKE_FAILED),
        /** The peer ended the handshake with a GO_AWAY or closed the connection. */
        REFUSED_BY_PEER(ErrorCode.HANDSHAKE_FAILED),
        /** The connection broke, or could not be made, before the handshake completed. */
        CONNECTION_FAILED(ErrorCode.HANDSHAKE_FAILED);

        /** The GO_AWAY code this failure is reported with. */
        public final ErrorCode errorCode;

        Reason(ErrorCode errorCode) {
            this.errorCode = errorCode;
        }
    }

    private final Reason reason;
    private final ErrorCode errorCode;

    private HandshakeException(Reason reason, ErrorCode errorCode, String message, Throwable cause) {
        super(message, cause, false, false); // a peer-caused failure: the stack trace says nothing
        this.reason = reason;
        this.errorCode = errorCode;
    }

    public static HandshakeException of(Reason reason, String format, Object... args) {
        Objects.requireNonNull(reason, "reason");
        return new HandshakeException(reason, reason.errorCode, String.format(format, args), null);
    }

    /** A HELLO or AUTH that failed to decode; keeps the decoder's error code and message. */
    public static HandshakeException malformed(MuxException cause) {
        return new HandshakeException(Reason.MALFORMED, cause.code(), cause.getMessage(), cause);
    }

    public Reason reason() {
        return reason;
    }

    /** The code for the GO_AWAY sent before closing. */
    public ErrorCode errorCode() {
        return errorCode;
    }

    /** This failure as the connection error the endpoint reports everywhere else. */
    public MuxException toMuxException() {
        return MuxException.connection(errorCode, "%s: %s", reason, getMessage());
    }
}
