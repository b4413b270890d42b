package io.chainmux.wire;

import io.chainmux.config.Internal;

/**
 * The wire contract in one place: header layout, flags and fixed payload sizes.
 *
 * <pre>
 * Frame header, 9 bytes, big-endian (docs/PROTOCOL.md section 3):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-----------------------------------------------+---------------+
 * |                 Length (24)                   |   Type (8)    |
 * +---------------+-----------------------------------------------+
 * |   Flags (8)   |R|              Stream Id (31)                 |
 * +---------------+-----------------------------------------------+
 * |                 Payload (Length bytes) ...
 * +---------------------------------------------------------------+
 * </pre>
 */
@Internal
public final class WireFormat {
    private WireFormat() {}

    public static final int HEADER_LENGTH = 9;
    /** The largest payload length the 24-bit field can carry. */
    public static final int MAX_PAYLOAD_LENGTH = (1 << 24) - 1;
    /** Largest stream id: the high bit of the 32-bit field is reserved and must be 0. */
    public static final int MAX_STREAM_ID = Integer.MAX_VALUE;
    public static final int CONNECTION_STREAM_ID = 0;

    /** DATA: this frame ends a message. */
    public static final int FLAG_END_MESSAGE = 0x1;
    /** DATA: the sender will send nothing more on this stream (half-close). */
    public static final int FLAG_FIN = 0x2;
    /** PING: this is the reply. */
    public static final int FLAG_ACK = 0x1;

    public static final int PING_PAYLOAD_LENGTH = 8;
    public static final int WINDOW_UPDATE_PAYLOAD_LENGTH = 4;
    public static final int MAX_STREAMS_PAYLOAD_LENGTH = 4;
    public static final int ACCEPT_PAYLOAD_LENGTH = 4;
    public static final int SETTING_ENTRY_LENGTH = 6;
    public static final int MAX_SETTINGS_ENTRIES = 16;
    /** OPEN: max message size (4) + network id length (1). */
    public static final int OPEN_FIXED_LENGTH = 5;
    public static final int MAX_NETWORK_ID_LENGTH = 255;
    /** RESET: error code (4) then an optional detail. */
    public static final int RESET_FIXED_LENGTH = 4;
    public static final int MAX_RESET_DETAIL_LENGTH = 1000;
    /** GO_AWAY: last stream id (4) + error code (4), then an optional UTF-8 reason. */
    public static final int GO_AWAY_FIXED_LENGTH = 8;
    public static final int MAX_GO_AWAY_REASON_LENGTH = 256;
    /** The largest window a stream or the connection may have: 2^31 - 1 bytes. */
    public static final int MAX_WINDOW = Integer.MAX_VALUE;

    /** Window charge of a DATA frame: its payload, plus one for a message end (so empty messages cost). */
    public static int dataCharge(int payloadLength, int flags) {
        return payloadLength + ((flags & FLAG_END_MESSAGE) != 0 ? 1 : 0);
    }

    /** Stream ids opened by the side that dialed the TCP connection are odd; the other side's are even. */
    public static boolean isDialerStream(int streamId) {
        return (streamId & 1) == 1;
    }
}
