package io.chainmux.mux;

import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Netty glue for a {@link MuxConnection}: feeds inbound bytes to the frame decoder, drives writes on
 * read-complete and writability changes, and ends the connection when the channel closes. Add it once
 * the preamble and handshake are done; bytes that arrived after the handshake are passed on by the
 * handshake handler (a {@link io.netty.handler.codec.ByteToMessageDecoder} hands its leftover to the
 * next handler when removed).
 *
 * <p>Frames are decoded straight from each buffer the channel reads, so messages are slices of it.
 * Only a frame that straddles two reads is copied, into a buffer of its own: unlike a cumulating
 * decoder, which appends every read to the leftover of the previous one, this copies at most one
 * frame per read and never grows or compacts a cumulation buffer.
 */
final class MuxHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(MuxHandler.class);

    private final MuxConnection connection;
    /** The start of a frame that continues in the next read (less than one whole frame), or null. */
    private ByteBuf partial;

    MuxHandler(MuxConnection connection) {
        this.connection = connection;
    }

    MuxConnection connection() {
        return connection;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        connection.attach(ctx);
        if (ctx.channel().isActive()) {
            connection.start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        connection.start();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (partial != null && !completePartial(in)) {
                return; // this read ended inside the straddling frame
            }
            connection.read(in);
            if (in.isReadable()) {
                keepPartial(ctx, in);
            }
        } finally {
            in.release();
        }
    }

    /**
     * Appends the rest of the straddling frame from {@code in} and decodes it once whole (the connection
     * checks the header as soon as it is complete, before the payload is gathered).
     *
     * @return true when the frame was decoded (or dropped) and {@code in} holds the next frame
     */
    private boolean completePartial(ByteBuf in) {
        ByteBuf p = partial;
        while (in.isReadable()) {
            int have = p.readableBytes();
            int want = have < WireFormat.HEADER_LENGTH ? WireFormat.HEADER_LENGTH - have
                    : WireFormat.HEADER_LENGTH + p.getUnsignedMedium(p.readerIndex()) - have;
            p.writeBytes(in, Math.min(want, in.readableBytes()));
            connection.read(p);
            if (!p.isReadable()) {
                releasePartial();
                return true;
            }
        }
        return false;
    }

    /** Copies the start of a frame that the next read completes; sized for the whole frame if known. */
    private void keepPartial(ChannelHandlerContext ctx, ByteBuf in) {
        int n = in.readableBytes();
        // A whole header was already checked by the decoder, so its length is within the maximum.
        int frame = n >= WireFormat.HEADER_LENGTH
                ? WireFormat.HEADER_LENGTH + in.getUnsignedMedium(in.readerIndex()) : WireFormat.HEADER_LENGTH;
        partial = ctx.alloc().buffer(Math.max(frame, n));
        partial.writeBytes(in);
    }

    private void releasePartial() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        connection.readComplete();
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read(); // the connection consumes everything it reads; keep reading, as a decoder would
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        connection.writabilityChanged(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releasePartial();
        ctx.fireChannelInactive();
        connection.channelClosed();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePartial();
        connection.channelClosed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("I/O error on {}: {}", ctx.channel(), cause.toString());
        } else {
            log.warn("unexpected error on {}", ctx.channel(), cause);
        }
        ctx.close();
    }
}
