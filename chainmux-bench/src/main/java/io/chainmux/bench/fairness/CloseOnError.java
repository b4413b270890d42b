package io.chainmux.bench.fairness;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/** Last handler of a connection: drops what reaches it and closes on an error (resets at teardown). */
@ChannelHandler.Sharable
final class CloseOnError extends ChannelInboundHandlerAdapter {
    static final CloseOnError INSTANCE = new CloseOnError();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
