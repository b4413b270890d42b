package io.chainmux.mux;

import io.netty.buffer.ByteBuf;

/**
 * Writes one message into room the stream lends it ({@link MuxStream#trySendEncoded}), so the
 * message is serialized once, straight into the buffer that goes to the socket (or into the
 * stream's queue), instead of into a buffer of the caller's that the stream then copies.
 */
@FunctionalInterface
public interface MessageEncoder {
    /**
     * Appends the message to {@code out}: the message is every byte from index 0 to {@code out}'s
     * writer index when this returns, at most the {@code maxLength} given to the send (a write past
     * it throws {@link IndexOutOfBoundsException}). {@code out} belongs to the stream: do not retain,
     * release or keep it (nor a slice or NIO view of it) past this call, and do not send on, reset or
     * close anything of the connection from inside it (such calls fail, or run after it). If this
     * throws, nothing is sent and the exception reaches the sender.
     */
    void encode(ByteBuf out);
}
