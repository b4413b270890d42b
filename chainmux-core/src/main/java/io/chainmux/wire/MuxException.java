package io.chainmux.wire;

/**
 * A protocol failure with its scope stated: a connection error ends the whole connection with a
 * GO_AWAY, a stream error resets only {@link #streamId()}.
 */
public final class MuxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final int streamId;

    private MuxException(ErrorCode code, int streamId, String message) {
        super(message, null, false, false);
        this.code = code;
        this.streamId = streamId;
    }

    public static MuxException connection(ErrorCode code, String format, Object... args) {
        return new MuxException(code, WireFormat.CONNECTION_STREAM_ID, String.format(format, args));
    }

    public static MuxException stream(int streamId, ErrorCode code, String format, Object... args) {
        if (streamId == WireFormat.CONNECTION_STREAM_ID) {
            throw new IllegalArgumentException("a stream error needs a stream id");
        }
        return new MuxException(code, streamId, String.format(format, args));
    }

    public ErrorCode code() {
        return code;
    }

    /** The stream to reset, or 0 when the whole connection fails. */
    public int streamId() {
        return streamId;
    }

    public boolean isConnectionError() {
        return streamId == WireFormat.CONNECTION_STREAM_ID;
    }

    @Override
    public String getMessage() {
        return code + (isConnectionError() ? "" : " on stream " + streamId) + ": " + super.getMessage();
    }
}
