package io.chainmux.mux;

import io.netty.buffer.ByteBuf;

/**
 * A stream's outgoing messages, pulled by its connection when the stream may send them
 * ({@link MuxStream#sendFrom}): on the stream's turns in the write pass, within its flow-control
 * window, each message encoded straight into the buffer that goes to the socket. Nothing waits in
 * the stream's queue, so a sender with many streams writes each message once, into memory the
 * socket reads next, and the scheduler's order is the order the messages are produced in.
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
     * stream is pulled again once {@link MuxStream#sourceReady} is called). A message must fit one
     * frame: at most the peer's max frame size (64 KiB from a chainmux peer by default; the protocol
     * allows 1 KiB) and its message size limit on the stream; larger messages go through
     * {@link MuxStream#trySend}. It may be asked again before {@link #encode} is called (the stream's
     * window or turn ended first): until then it describes the same next message.
     */
    int nextMaxLength();

    /**
     * Appends the next message, at most the {@link #nextMaxLength} just returned, to {@code out}
     * (see {@link MessageEncoder#encode}). Called only right after {@link #nextMaxLength} returned a
     * length, when the stream's window has room for that many bytes.
     */
    @Override
    void encode(ByteBuf out);
}
