package io.chainmux.bench.traffic;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.io.IOException;

/**
 * Receives length-prefixed messages from a byte stream: parses and checks them without copying,
 * counts whole messages into the meter once per read, releases every buffer. Any error, or the
 * connection closing before the run ends, fails the run.
 */
public final class FramedReceiver extends ChannelInboundHandlerAdapter {
    private final MessageParser parser;
    private final int messageSize;
    private final Meter meter;

    public FramedReceiver(MessageParser parser, int messageSize, Meter meter) {
        this.parser = parser;
        this.messageSize = messageSize;
        this.meter = meter;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            int n = parser.feed(in);
            meter.add(n, (long) n * messageSize);
        } finally {
            in.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        meter.fail(new IOException("the connection closed before the run ended"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        meter.fail(cause);
        ctx.close();
    }
}
