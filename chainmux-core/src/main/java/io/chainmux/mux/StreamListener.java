package io.chainmux.mux;

import io.netty.buffer.ByteBuf;

/**
 * Events of one stream. Called on the connection's event loop, in order, never concurrently;
 * implementations must not block (hand work to an executor).
 *
 * <p>Buffer ownership: {@link #onMessage} transfers the message to the listener, which must release
 * it exactly once. The message may be a slice of a larger receive buffer: copy it if you keep it for
 * long. The stream's flow-control credit for a message is returned only when the application calls
 * {@link MuxStream#consumed(int)} with the message's length; until then the peer's stream window
 * stays spent. That is the backpressure; it holds back this stream only (the connection's credit
 * returns on receipt). A {@link LentMessageListener} processes messages in the callback instead: they
 * are lent for the call, and consumed when it returns.
 *
 * <p>A listener that throws costs its own stream only: from {@link #onMessage} the stream is reset
 * (INTERNAL_ERROR); from the notifications the failure is logged (docs/ARCHITECTURE.md, "Failure
 * scope").
 */
public interface StreamListener {
    /** The peer accepted a stream we opened. */
    default void onAccepted(MuxStream stream) {}

    /** A whole message, in order. Release it, and call {@code stream.consumed(length)} once processed. */
    void onMessage(MuxStream stream, ByteBuf message);

    /** The peer half-closed: no more messages will arrive; we may still send. */
    default void onRemoteClosed(MuxStream stream) {}

    /** {@link MuxStream#isWritable()} changed to true after a {@code trySend} was refused. */
    default void onWritable(MuxStream stream) {}

    /**
     * The stream has messages queued but its send window is used up: the peer's application has
     * stopped reading it, or reads more slowly than we send (QUIC's STREAM_DATA_BLOCKED, seen by the
     * sender). Once per episode; sending resumes by itself when the peer returns credit.
     */
    default void onSendBlocked(MuxStream stream) {}

    /**
     * Terminal event, exactly once per stream: {@link CloseReason#isNormal()} when both directions
     * closed cleanly; otherwise a reset, refusal or lost connection. Messages this side accepted for
     * sending but that did not reach the peer are lost with this event, never silently.
     */
    void onClosed(MuxStream stream, CloseReason reason);
}
