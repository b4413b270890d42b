package io.chainmux.mux;

import io.netty.buffer.ByteBuf;

/**
 * A stream's outgoing messages, pulled by its connection when the stream may send them
 * ({@link MuxStream#sendFrom}): on the stream's turns in the write pass, within its flow-control
 * window, each message encoded straight into the buffer that goes to the socket. A message that
 * fits one frame within a new stream's window never waits in the stream's queue, so a sender with
 * many streams writes each message once, into memory the socket reads next, and the scheduler's
 * order is the order the messages are produced in.
 *
 * <p>Both methods run on the connection's event loop, inside its write pass. {@link #encode} has
 * {@link MessageEncoder#encode}'s contract (the room is lent for the call only; no send, reset or
 * close of the connection's streams from inside it). If either throws, or a message breaks a limit,
 * only this stream is reset; the others go on.
 */
public interface MessageSource extends MessageEncoder {
    /** What {@link #nextMaxLength} returns when the source has no message now. */
    int NONE = -1;

    /**
     * The most bytes the next message takes, or {@link #NONE} when there is none for now (then the
     * stream is pulled again once {@link MuxStream#sourceReady} is called). At most the peer's
     * message size limit on the stream (more resets the stream with MESSAGE_TOO_LARGE). A message
     * larger than one frame or a new stream's window is encoded into a buffer of its own and waits in
     * the stream's queue like an offered one, within the send buffers. It may be asked again before
     * {@link #encode} is called (the stream's window or turn ended first): until then it describes
     * the same next message.
     */
    int nextMaxLength();

    /**
     * Appends the next message, at most the {@link #nextMaxLength} just returned, to {@code out}
     * (see {@link MessageEncoder#encode}). Called only right after {@link #nextMaxLength} returned a
     * length: for a message that fits one frame, when the stream's window has room for it.
     */
    @Override
    void encode(ByteBuf out);
}
