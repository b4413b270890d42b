package io.chainmux.bench.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Client connection's last handler: consumes the connection-level frames that reach it (SETTINGS, its
 * ACK, PING) and tells when the server's SETTINGS arrived, so stream limits and windows are known
 * before streams open.
 */
public final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private final CompletableFuture<Void> settingsReceived = new CompletableFuture<>();

    public void awaitSettings(long timeoutMillis) throws Exception {
        settingsReceived.get(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2SettingsFrame) {
            settingsReceived.complete(null);
        }
        ReferenceCountUtil.release(msg);
    }
}
