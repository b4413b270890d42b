package io.chainmux.bench.traffic;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.io.IOException;

/**
 * Receives whole messages (one {@link ByteBuf} each, length prefix already stripped), checks size,
 * stream and sequence number, releases them, and reports the count to the meter once per read
 * batch. Any error, or the channel closing before the run ends, fails the run.
 */
public final class MessageCounter extends ChannelInboundHandlerAdapter {
    private final SequenceChecker checker;
    private final int messageSize;
    private final boolean singleStream;
    private final Meter meter;
    private int boundStream = -1;
    private long pending;

    /**
     * @param singleStream true when the channel carries one stream (a socket or an HTTP/2 stream of
     *                     its own): every message must then name the stream the first one named
     */
    public MessageCounter(SequenceChecker checker, int messageSize, boolean singleStream, Meter meter) {
        this.checker = checker;
        this.messageSize = messageSize;
        this.singleStream = singleStream;
        this.meter = meter;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf m = (ByteBuf) msg;
        try {
            if (m.readableBytes() != messageSize) {
                throw new SequenceException("message of " + m.readableBytes() + " bytes, expected " + messageSize);
            }
            long seq = m.getLong(m.readerIndex());
            int stream = m.getInt(m.readerIndex() + 8);
            if (singleStream) {
                if (boundStream < 0) {
                    boundStream = stream;
                } else if (stream != boundStream) {
                    throw new SequenceException("message of stream " + stream + " arrived on the channel of stream "
                            + boundStream);
                }
            }
            checker.check(stream, seq);
            pending++;
        } finally {
            m.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        publish();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        publish();
        meter.fail(new IOException("the channel closed before the run ended"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        meter.fail(cause);
        ctx.close();
    }

    private void publish() {
        meter.add(pending, pending * messageSize);
        pending = 0;
    }
}
