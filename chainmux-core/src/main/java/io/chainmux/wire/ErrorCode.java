package io.chainmux.wire;

/**
 * Error codes carried by RESET and GO_AWAY (docs/PROTOCOL.md section 6). Codes at or above
 * {@code 0x1000} are local: they describe what happened here and never go on the wire.
 */
public enum ErrorCode {
    NO_ERROR(0x0, "no error; graceful"),
    PROTOCOL_ERROR(0x1, "the peer broke the protocol"),
    INTERNAL_ERROR(0x2, "an unexpected failure in the implementation"),
    FLOW_CONTROL_ERROR(0x3, "the peer sent more than its window allowed"),
    FRAME_SIZE_ERROR(0x4, "a frame exceeded the negotiated maximum or had the wrong size"),
    STREAM_LIMIT_ERROR(0x5, "the peer opened more streams than its credit allowed"),
    STREAM_CLOSED(0x6, "a frame arrived for a stream that was already half-closed"),
    MESSAGE_TOO_LARGE(0x7, "a message exceeded the stream's maximum message size"),
    CANCEL(0x8, "the application gave up on the stream"),
    REFUSED_UNKNOWN_NETWORK(0x9, "no network with that id is served here"),
    REFUSED_BUSY(0xA, "the network is at its session limit; detail may name alternative peers"),
    REFUSED_LIMIT(0xB, "a stream limit of this connection or network was reached"),
    REFUSED_GOING_AWAY(0xC, "the connection is going away; the stream was not processed"),
    ENHANCE_YOUR_CALM(0xD, "the peer exceeded a rate or queue budget"),
    UNSUPPORTED_VERSION(0xE, "no protocol version in common"),
    HANDSHAKE_FAILED(0xF, "the identity handshake failed"),
    IDLE_TIMEOUT(0x10, "the connection was idle for too long"),
    SETTINGS_TIMEOUT(0x11, "the peer did not send its SETTINGS in time"),
    SESSION_TIMEOUT(0x12, "the application session ran past its deadline"),
    APPLICATION_ERROR(0x13, "the application failed the stream; detail says why"),
    CROSSED_CONNECTION(0x14, "both nodes dialed at once; the connection dialed by the lower peer id is kept"),
    REFUSED_CONNECTION(0x15, "the peer refused the connection: a connection limit was reached"),
    MESSAGE_TIMEOUT(0x16, "a message in progress did not complete within its deadline"),
    UNKNOWN(0xFFF, "a code this implementation does not know"),
    /** Local: the TCP connection carrying the stream broke. */
    CONNECTION_LOST(0x1000, "the connection carrying the stream was lost"),
    /** Local: the peer read nothing we wrote for the write timeout. */
    WRITE_TIMEOUT(0x1001, "the peer read none of our output for the write timeout");

    private static final java.util.Map<Integer, ErrorCode> BY_CODE = new java.util.HashMap<>();

    static {
        for (ErrorCode c : values()) {
            BY_CODE.put(c.code, c);
        }
    }

    public final int code;
    public final String description;

    ErrorCode(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** Whether this code may be sent to a peer. */
    public boolean onWire() {
        return code < 0x1000 && this != UNKNOWN;
    }

    /** Whether this code is a refusal of a stream open. */
    public boolean isRefusal() {
        return this == REFUSED_UNKNOWN_NETWORK || this == REFUSED_BUSY || this == REFUSED_LIMIT
                || this == REFUSED_GOING_AWAY;
    }

    /** Maps a received code; local-only and unassigned codes become {@link #UNKNOWN}. */
    public static ErrorCode fromWire(int code) {
        ErrorCode c = BY_CODE.get(code);
        return c == null || !c.onWire() ? UNKNOWN : c;
    }
}
