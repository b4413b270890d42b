package io.chainmux.bench.http2;

import io.chainmux.bench.traffic.Meter;
import io.chainmux.bench.traffic.MessageParser;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;

/**
 * Server side of one HTTP/2 stream: parses the messages in its DATA frames (they may split anywhere)
 * and releases every frame. Reading a frame returns its flow-control credit (Netty's child channel
 * does that when the frame has been read).
 */
final class Http2Receiver extends ChannelInboundHandlerAdapter {
    private final MessageParser parser;
    private final int messageSize;
    private final Meter meter;

    Http2Receiver(MessageParser parser, int messageSize, Meter meter) {
        this.parser = parser;
        this.messageSize = messageSize;
        this.meter = meter;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2DataFrame data) {
                int n = parser.feed(data.content());
                meter.add(n, (long) n * messageSize);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        meter.fail(new IOException("HTTP/2 stream closed before the run ended"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        meter.fail(cause);
        ctx.close();
    }
}
