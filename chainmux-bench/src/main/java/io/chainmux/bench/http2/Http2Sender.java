package io.chainmux.bench.http2;

import io.chainmux.bench.Workload;
import io.chainmux.bench.traffic.Loops;
import io.chainmux.bench.traffic.Meter;
import io.chainmux.bench.traffic.SendCursor;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;

import java.util.List;

/**
 * Client side: each event-loop pass gives every writable stream an equal budget of length-prefixed
 * messages, written as DATA frames of up to 16 KiB, then flushes the connection ONCE. Child channel
 * writability (stream window and pending bytes) is the backpressure; the handler sits in the parent's
 * and every child's pipeline to hear when it comes back.
 */
@ChannelHandler.Sharable
final class Http2Sender extends ChannelInboundHandlerAdapter implements Runnable {
    /** One DATA frame's worth of messages (the default SETTINGS_MAX_FRAME_SIZE). */
    private static final int FRAME_BYTES = 16 * 1024;

    private final Workload workload;
    private final Meter meter;
    private Channel parent;
    private List<Http2StreamChannel> children;
    private SendCursor[] cursors;
    private int streamBudget;
    private boolean scheduled;
    private volatile boolean stopped;

    Http2Sender(Workload workload, Meter meter) {
        this.workload = workload;
        this.meter = meter;
    }

    /** Called once all streams are open; sending starts on the parent's event loop. */
    void start(Channel parent, List<Http2StreamChannel> children) {
        parent.eventLoop().execute(() -> {
            this.parent = parent;
            this.children = children;
            cursors = new SendCursor[children.size()];
            for (int i = 0; i < cursors.length; i++) {
                cursors[i] = new SendCursor(i, 1, workload.messageSize());
            }
            streamBudget = Math.max(Loops.PASS_BUDGET / children.size(), cursors[0].framedLength());
            schedule();
        });
    }

    void stop() {
        stopped = true;
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

    private void schedule() {
        if (!scheduled && !stopped && parent != null) {
            scheduled = true;
            parent.eventLoop().execute(this);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        if (stopped || !parent.isActive()) {
            return;
        }
        boolean more = false;
        for (int i = 0; i < cursors.length; i++) {
            Http2StreamChannel child = children.get(i);
            int written = 0;
            while (written < streamBudget && child.isWritable()) {
                ByteBuf buf = parent.alloc().directBuffer(Math.max(FRAME_BYTES, cursors[i].framedLength()));
                cursors[i].writeFramed(buf, Math.min(FRAME_BYTES, streamBudget - written));
                written += buf.readableBytes();
                child.write(new DefaultHttp2DataFrame(buf, false));
            }
            more |= child.isWritable();
        }
        // Child writes went straight into the connection's flow controller: one flush sends them all.
        parent.flush();
        if (more && parent.isWritable()) {
            schedule();
        }
    }
}
