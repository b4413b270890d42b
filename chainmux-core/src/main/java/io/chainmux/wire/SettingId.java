package io.chainmux.wire;

/**
 * SETTINGS identifiers (docs/PROTOCOL.md section 4.8), each with its default and allowed range.
 * A receiver ignores identifiers it does not know, so new settings can be added compatibly.
 */
public enum SettingId {
    /** Largest frame payload the sender of the setting accepts. */
    MAX_FRAME_SIZE(0x1, 16_384, 1_024, WireFormat.MAX_PAYLOAD_LENGTH),
    /** Send window each new stream starts with, in the direction toward the sender of the setting. */
    INITIAL_STREAM_WINDOW(0x2, 256 * 1024, 0, WireFormat.MAX_WINDOW),
    /** Connection send window toward the sender of the setting. */
    INITIAL_CONNECTION_WINDOW(0x3, 16 * 1024 * 1024, 0, WireFormat.MAX_WINDOW),
    /** Streams the receiver of the setting may open before it gets MAX_STREAMS credit. */
    MAX_STREAMS(0x4, 2_048, 0, WireFormat.MAX_STREAM_ID),
    /** Largest message the sender of the setting accepts on any stream. */
    MAX_MESSAGE_SIZE(0x5, 16 * 1024 * 1024, 1, Integer.MAX_VALUE);

    public final int id;
    public final int defaultValue;
    public final int min;
    public final long max;

    SettingId(int id, int defaultValue, int min, long max) {
        this.id = id;
        this.defaultValue = defaultValue;
        this.min = min;
        this.max = max;
    }

    /** The setting for a wire id, or null for an id this implementation does not know. */
    public static SettingId fromId(int id) {
        for (SettingId s : values()) {
            if (s.id == id) {
                return s;
            }
        }
        return null;
    }

    /** Whether an unsigned 32-bit value is allowed for this setting. */
    public boolean allows(long value) {
        return value >= min && value <= max;
    }
}
