package io.chainmux.bench.traffic;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** Last handler of a pipeline: an exception that got this far fails the run and closes the channel. */
@ChannelHandler.Sharable
public final class FailOnError extends ChannelInboundHandlerAdapter {
    private final Meter meter;

    public FailOnError(Meter meter) {
        this.meter = meter;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        meter.fail(cause);
        ctx.close();
    }
}
