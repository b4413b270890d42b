package io.chainmux.endpoint;

import io.chainmux.mux.MuxConnection;
import io.chainmux.wire.ErrorCode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Keeps an established connection honest: PINGs every {@code keepAlive}, busy or not (so a quiet
 * but healthy peer keeps answering, and the RTT the node reports is a recent one, not the first
 * sample of a connection that never went quiet), and closes with IDLE_TIMEOUT after {@code idle}
 * without receiving anything, PING replies included (a dead or stuck peer).
 */
final class KeepAlive extends IdleStateHandler {
    private final MuxConnection connection;
    private final EndpointStats stats;
    private final long keepAliveNanos;
    private ScheduledFuture<?> pings;

    KeepAlive(MuxConnection connection, EndpointStats stats, long idleNanos, long keepAliveNanos) {
        super(idleNanos, 0, 0, TimeUnit.NANOSECONDS);
        this.connection = connection;
        this.stats = stats;
        this.keepAliveNanos = keepAliveNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        pings = ctx.executor().scheduleAtFixedRate(connection::ping, keepAliveNanos, keepAliveNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        pings.cancel(false);
        super.handlerRemoved(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        pings.cancel(false);
        super.channelInactive(ctx);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        if (evt.state() == IdleState.READER_IDLE) {
            stats.limitHit(Limit.IDLE_TIMEOUT);
            Endpoint.log.info("closing {}: nothing received for {} ms (limit {})", ctx.channel(),
                    getReaderIdleTimeInMillis(),
                    Limit.IDLE_TIMEOUT.label);
            connection.abort(ErrorCode.IDLE_TIMEOUT, "nothing received within the idle timeout");
        }
    }
}
