package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.Settings;

/** A decoded frame as a test sees it; fields not used by the type are 0 or null. */
record Frame(FrameType type, int flags, int streamId, byte[] payload, int value, ErrorCode code, String text,
             Settings settings, long opaque) {

    boolean endMessage() {
        return (flags & 0x1) != 0;
    }

    boolean fin() {
        return (flags & 0x2) != 0;
    }

    @Override
    public String toString() {
        return type + "{stream=" + streamId + ", flags=" + flags
                + (payload != null ? ", len=" + payload.length : "")
                + (value != 0 ? ", value=" + value : "")
                + (code != null ? ", code=" + code : "")
                + (text != null ? ", text=" + text : "") + "}";
    }
}
