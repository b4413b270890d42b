package io.chainmux.mux;

/** A message larger than the peer accepts on the stream; nothing was queued. */
public final class MessageTooLargeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public MessageTooLargeException(MuxStream stream, int length, int limit) {
        super("message of " + length + " bytes exceeds the peer's limit of " + limit + " bytes on stream "
                + stream.describe());
    }
}
