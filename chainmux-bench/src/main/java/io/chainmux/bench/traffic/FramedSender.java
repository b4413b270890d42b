package io.chainmux.bench.traffic;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Sends length-prefixed messages on one channel as fast as the channel takes them. Each event-loop
 * pass fills pooled direct buffers with whole messages until the pass budget is spent or the channel
 * turns unwritable, then flushes ONCE. It resumes on the next pass if still writable, otherwise when
 * writability comes back, so outbound memory stays under the water mark.
 */
public final class FramedSender extends ChannelInboundHandlerAdapter implements Runnable {
    private final SendCursor cursor;
    private final int passBudget;
    private final int batchBytes;
    private final Meter meter;
    private Channel channel;
    private boolean scheduled;
    private volatile boolean stopped;

    /**
     * @param passBudget bytes per event-loop pass (at least one message is always written)
     * @param batchBytes size of each pooled buffer the messages are packed into
     */
    public FramedSender(SendCursor cursor, int passBudget, int batchBytes, Meter meter) {
        this.cursor = cursor;
        this.passBudget = passBudget;
        this.batchBytes = batchBytes;
        this.meter = meter;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        schedule();
        ctx.fireChannelActive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            schedule();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        meter.fail(cause);
        ctx.close();
    }

    /** Stops sending at the next pass; callable from any thread. */
    public void stop() {
        stopped = true;
    }

    private void schedule() {
        if (!scheduled && !stopped) {
            scheduled = true;
            channel.eventLoop().execute(this);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        if (stopped || !channel.isActive()) {
            return;
        }
        int written = 0;
        int bufferSize = Math.max(batchBytes, cursor.framedLength());
        while (written < passBudget && channel.isWritable()) {
            ByteBuf buf = channel.alloc().directBuffer(bufferSize);
            cursor.writeFramed(buf, Math.min(batchBytes, passBudget - written));
            written += buf.readableBytes();
            channel.write(buf, channel.voidPromise());
        }
        channel.flush();
        if (channel.isWritable()) {
            schedule();
        }
    }
}
