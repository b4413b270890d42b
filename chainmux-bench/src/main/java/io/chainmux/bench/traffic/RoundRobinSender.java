package io.chainmux.bench.traffic;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Sends length-prefixed messages over one or more outlet channels (sockets, HTTP/2 streams) as fast
 * as they take them, on the client event loop. Each pass visits the writable outlets round robin,
 * starting where the previous pass stopped, gives each up to a quantum of messages packed into pooled
 * direct buffers, stops after {@link Loops#PASS_BUDGET} bytes, and then flushes ONCE per written
 * channel (or once on {@code flushTarget}). Writability is the backpressure: an outlet that turns
 * unwritable gets nothing more until it is writable again, and the pass is rescheduled only while it
 * makes progress, so nothing spins and nothing buffers without bound.
 */
public final class RoundRobinSender implements Runnable {
    /** Per-outlet share of a pass when there are many outlets: 16 KiB, like an HTTP/2 frame. */
    public static final int MIN_QUANTUM = 16 * 1024;

    private final List<? extends Channel> outlets;
    private final List<SendCursor> cursors;
    private final int bufferBytes;
    private final int quantum;
    private final Function<ByteBuf, Object> wrap;
    private final Channel flushTarget;
    private final Channel loopOwner;
    private final List<Channel> written = new ArrayList<>();
    private final Listener listener;
    private int next;
    private boolean scheduled;
    private volatile boolean stopped;

    /**
     * @param outlets     channels to write to, all on one event loop
     * @param cursors     one per outlet: which streams and sequence numbers it sends
     * @param bufferBytes size of each pooled buffer (one write) the messages are packed into
     * @param wrap        turns a buffer of messages into what the outlet accepts (e.g. a DATA frame)
     * @param flushTarget the one channel to flush per pass, or null to flush each written outlet
     */
    public RoundRobinSender(List<? extends Channel> outlets, List<SendCursor> cursors, int bufferBytes,
                            Function<ByteBuf, Object> wrap, Channel flushTarget, Meter meter) {
        if (outlets.isEmpty() || outlets.size() != cursors.size()) {
            throw new IllegalArgumentException(outlets.size() + " outlets, " + cursors.size() + " cursors");
        }
        this.outlets = List.copyOf(outlets);
        this.cursors = List.copyOf(cursors);
        this.bufferBytes = bufferBytes;
        this.quantum = Math.max(MIN_QUANTUM, Loops.PASS_BUDGET / outlets.size());
        this.wrap = wrap;
        this.flushTarget = flushTarget;
        this.loopOwner = outlets.get(0);
        this.listener = new Listener(meter);
    }

    /** Add to every outlet's pipeline (and the flush target's): resumes sending when writability returns. */
    public ChannelHandler listener() {
        return listener;
    }

    public void start() {
        loopOwner.eventLoop().execute(this::schedule);
    }

    /** Stops sending at the next pass; callable from any thread. */
    public void stop() {
        stopped = true;
    }

    private void schedule() {
        if (!scheduled && !stopped) {
            scheduled = true;
            loopOwner.eventLoop().execute(this);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        if (stopped) {
            return;
        }
        int budget = Loops.PASS_BUDGET;
        int n = outlets.size();
        int visited = 0;
        // With one connection under the outlets (HTTP/2), stop when that connection is full.
        while (visited < n && budget > 0 && (flushTarget == null || flushTarget.isWritable())) {
            int i = (next + visited) % n;
            visited++;
            Channel outlet = outlets.get(i);
            SendCursor cursor = cursors.get(i);
            int share = Math.min(quantum, budget);
            int sent = 0;
            while (sent < share && outlet.isWritable()) {
                int batch = Math.min(bufferBytes, share - sent);
                ByteBuf buf = outlet.alloc().directBuffer(Math.max(batch, cursor.framedLength()));
                cursor.writeFramed(buf, batch);
                sent += buf.readableBytes();
                outlet.write(wrap.apply(buf), outlet.voidPromise());
            }
            if (sent > 0) {
                budget -= sent;
                written.add(outlet);
            }
        }
        next = (next + visited) % n;
        if (flushTarget != null) {
            flushTarget.flush();
        } else {
            for (Channel c : written) {
                c.flush();
            }
        }
        boolean progress = !written.isEmpty();
        written.clear();
        if (progress) {
            schedule();
        }
    }

    @ChannelHandler.Sharable
    private final class Listener extends ChannelInboundHandlerAdapter {
        private final Meter meter;

        Listener(Meter meter) {
            this.meter = meter;
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
    }
}
