package io.chainmux.mux;

import io.netty.buffer.ByteBuf;

/**
 * A stream listener that processes each message during its callback: the message is <b>lent</b>,
 * valid only until {@link #onLentMessage} returns, and counted as consumed when it returns (the
 * stream's credit goes back without a {@link MuxStream#consumed} call). As Netty's HTTP/2
 * {@code onDataRead}, it spares the receiver a retained buffer, its release and a credit call per
 * message; for an application that decodes or copies in the callback anyway.
 *
 * <p>The message is a read-only window of the connection's receive buffer (or of the buffer its
 * fragments were reassembled into), one per connection, reused for every message: it cannot be
 * retained or released (both throw), and outside the call its reference count is 0 and every access
 * throws. To keep bytes, copy them: {@code ByteBufUtil.getBytes(message)}, or
 * {@code message.alloc().buffer(n).writeBytes(message)} for a buffer of your own to release.
 * Messages that arrived before the stream was accepted, or in fragments, are lent the same way.
 *
 * <p>The kind is fixed when the listener is set ({@link MuxStream#accept},
 * {@link MuxConnection#openStream}); the stream then never calls {@link #onMessage}. Calling
 * {@link MuxStream#consumed} on such a stream returns more than was delivered: it throws
 * {@link IllegalArgumentException}, as a second consumption would.
 *
 * <p>The backpressure is the callback's: the credit goes back as it returns. An application that
 * hands the work to another thread and wants the peer held back until that work is done receives
 * owned messages ({@link StreamListener#onMessage}) instead.
 *
 * <p>A callback that throws costs its stream only, as {@link StreamListener#onMessage} does: the
 * stream is reset (INTERNAL_ERROR) and the message's credit is settled with it.
 */
public interface LentMessageListener extends StreamListener {
    /** A whole message, in order, lent for this call only: read it (or copy it) before returning. */
    void onLentMessage(MuxStream stream, ByteBuf message);

    /**
     * Not called by the stream this listener is set on. For a wrapper that passes owned messages on (an
     * unstriped endpoint's stream listener does): the message goes to {@link #onLentMessage}, then is
     * released and consumed, so the listener's code is the same; such a buffer is not guarded as a lent
     * one, and pays the slice and the {@code consumed} call the stream spares a listener set directly.
     */
    @Override
    default void onMessage(MuxStream stream, ByteBuf message) {
        int length = message.readableBytes();
        try {
            onLentMessage(stream, message);
        } finally {
            message.release();
        }
        stream.consumed(length);
    }
}
