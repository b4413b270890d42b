package io.chainmux.wire;

import io.netty.buffer.ByteBuf;

/**
 * The values one side announces in its SETTINGS frame. Immutable and validated: every value
 * lies in its {@link SettingId} range.
 */
public record Settings(int maxFrameSize, int initialStreamWindow, int initialConnectionWindow,
                       int maxStreams, int maxMessageSize) {

    public Settings {
        check(SettingId.MAX_FRAME_SIZE, maxFrameSize);
        check(SettingId.INITIAL_STREAM_WINDOW, initialStreamWindow);
        check(SettingId.INITIAL_CONNECTION_WINDOW, initialConnectionWindow);
        check(SettingId.MAX_STREAMS, maxStreams);
        check(SettingId.MAX_MESSAGE_SIZE, maxMessageSize);
    }

    public static Settings defaults() {
        return new Settings(SettingId.MAX_FRAME_SIZE.defaultValue, SettingId.INITIAL_STREAM_WINDOW.defaultValue,
                SettingId.INITIAL_CONNECTION_WINDOW.defaultValue, SettingId.MAX_STREAMS.defaultValue,
                SettingId.MAX_MESSAGE_SIZE.defaultValue);
    }

    private static void check(SettingId id, long value) {
        if (!id.allows(value)) {
            throw new IllegalArgumentException(id + " must be in [" + id.min + ", " + id.max + "], was " + value);
        }
    }

    /** Payload length of the SETTINGS frame that carries these values. */
    public int encodedLength() {
        return SettingId.values().length * WireFormat.SETTING_ENTRY_LENGTH;
    }

    /** Writes every setting, in identifier order. */
    public void encode(ByteBuf out) {
        entry(out, SettingId.MAX_FRAME_SIZE, maxFrameSize);
        entry(out, SettingId.INITIAL_STREAM_WINDOW, initialStreamWindow);
        entry(out, SettingId.INITIAL_CONNECTION_WINDOW, initialConnectionWindow);
        entry(out, SettingId.MAX_STREAMS, maxStreams);
        entry(out, SettingId.MAX_MESSAGE_SIZE, maxMessageSize);
    }

    private static void entry(ByteBuf out, SettingId id, int value) {
        out.writeShort(id.id);
        out.writeInt(value);
    }

    /**
     * Reads a SETTINGS payload. Settings not present keep their protocol default; unknown ids
     * are ignored; an out-of-range value is a connection error.
     */
    public static Settings decode(ByteBuf payload) {
        long[] v = new long[SettingId.values().length];
        for (SettingId s : SettingId.values()) {
            v[s.ordinal()] = s.defaultValue;
        }
        while (payload.isReadable()) {
            int idCode = payload.readUnsignedShort();
            long value = payload.readUnsignedInt();
            SettingId id = SettingId.fromId(idCode);
            if (id == null) {
                continue;
            }
            if (!id.allows(value)) {
                throw MuxException.connection(ErrorCode.PROTOCOL_ERROR,
                        "SETTINGS %s=%d outside [%d, %d]", id, value, id.min, id.max);
            }
            v[id.ordinal()] = value;
        }
        return new Settings((int) v[0], (int) v[1], (int) v[2], (int) v[3], (int) v[4]);
    }
}
