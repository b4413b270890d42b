package io.chainmux.wire;

/** Frame types (docs/PROTOCOL.md section 4). The code is the header's Type byte. */
public enum FrameType {
    DATA(0x0),
    OPEN(0x1),
    ACCEPT(0x2),
    RESET(0x3),
    WINDOW_UPDATE(0x4),
    PING(0x5),
    GO_AWAY(0x6),
    SETTINGS(0x7),
    MAX_STREAMS(0x8),
    HELLO(0x9),
    AUTH(0xA);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    public final int code;

    FrameType(int code) {
        this.code = code;
    }

    /** The type for a wire code, or null when the code is not assigned. */
    public static FrameType fromCode(int code) {
        return BY_CODE[code & 0xFF];
    }
}
