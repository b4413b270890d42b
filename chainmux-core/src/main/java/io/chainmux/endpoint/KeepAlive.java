package io.chainmux.endpoint;

import io.chainmux.mux.MuxSession;
import io.chainmux.wire.ErrorCode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/**
 * Keeps an established connection honest: PINGs after {@code keepAlive} without writing (so a quiet
 * but healthy peer keeps answering), and closes with IDLE_TIMEOUT after {@code idle} without
 * receiving anything, PING replies included (a dead or stuck peer).
 */
final class KeepAlive extends IdleStateHandler {
    private final MuxSession session;
    private final EndpointStats stats;

    KeepAlive(MuxSession session, EndpointStats stats, long idleNanos, long keepAliveNanos) {
        super(idleNanos, keepAliveNanos, 0, TimeUnit.NANOSECONDS);
        this.session = session;
        this.stats = stats;
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        if (evt.state() == IdleState.WRITER_IDLE) {
            session.ping();
        } else if (evt.state() == IdleState.READER_IDLE) {
            stats.limitHit(Limit.IDLE_TIMEOUT);
            Endpoint.log.info("closing {}: nothing received for {} ms (limit {})", ctx.channel(),
                    getReaderIdleTimeInMillis(),
                    Limit.IDLE_TIMEOUT.label);
            session.abort(ErrorCode.IDLE_TIMEOUT, "nothing received within the idle timeout");
        }
    }
}
