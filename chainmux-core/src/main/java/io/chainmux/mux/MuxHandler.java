package io.chainmux.mux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;

/**
 * Netty glue for a {@link MuxSession}: feeds inbound bytes to the frame decoder, drives writes on
 * read-complete and writability changes, and ends the session when the channel closes. Add it once
 * the preamble and handshake are done; bytes that arrived after the handshake are passed on by the
 * handshake handler (a {@link ByteToMessageDecoder} hands its leftover to the next handler when
 * removed).
 */
public final class MuxHandler extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(MuxHandler.class);

    private final MuxSession session;

    public MuxHandler(MuxSession session) {
        this.session = session;
    }

    public MuxSession session() {
        return session;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        session.attach(ctx);
        if (ctx.channel().isActive()) {
            session.start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        session.start();
        super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        session.read(in);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        session.readComplete();
        super.channelReadComplete(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        session.writabilityChanged(ctx.channel().isWritable());
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        super.channelInactive(ctx);
        session.channelClosed();
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        session.channelClosed();
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
