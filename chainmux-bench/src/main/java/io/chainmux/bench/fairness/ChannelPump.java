package io.chainmux.bench.fairness;

import io.chainmux.bench.traffic.Loops;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The client side of the Netty transports without a scheduler of their own (one TCP socket; HTTP/2
 * child channels): chains that want to send take turns, one message each, in the order they were
 * opened, while their outlet and the connection are writable; {@link Loops#PASS_BUDGET} bytes per
 * event-loop pass, then one flush. Confined to the connection's event loop.
 */
final class ChannelPump implements Runnable {
    private static final class Chain {
        final Channel outlet;
        final int tag;
        long remaining;

        Chain(Channel outlet, int tag, long remaining) {
            this.outlet = outlet;
            this.tag = tag;
            this.remaining = remaining;
        }
    }

    private final Channel connection;
    private final int messageSize;
    private final Function<ByteBuf, Object> wrap;
    private final List<Chain> chains = new ArrayList<>();
    private final Listener listener = new Listener();
    private int next;
    private boolean scheduled;
    private volatile long sent;
    private volatile boolean stopped;

    /**
     * @param connection the TCP connection (flushed once per pass; sending stops while it is unwritable)
     * @param wrap       turns a length-prefixed message into what an outlet takes (a DATA frame)
     */
    ChannelPump(Channel connection, int messageSize, Function<ByteBuf, Object> wrap) {
        this.connection = connection;
        this.messageSize = messageSize;
        this.wrap = wrap;
        connection.pipeline().addLast(listener);
    }

    /** Adds a chain sending {@code bytes} (rounded up to whole messages) on {@code outlet}; any thread. */
    void add(Channel outlet, int tag, long bytes) {
        connection.eventLoop().execute(() -> {
            if (outlet != connection) {
                outlet.pipeline().addLast(listener);
            }
            chains.add(new Chain(outlet, tag, bytes));
            schedule();
        });
    }

    /** Bytes handed to the outlets so far. */
    long sent() {
        return sent;
    }

    void stop() {
        stopped = true;
    }

    private void schedule() {
        if (!scheduled && !stopped) {
            scheduled = true;
            connection.eventLoop().execute(this);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        if (stopped) {
            return;
        }
        int budget = Loops.PASS_BUDGET;
        int idle = 0;
        long wrote = 0;
        while (budget > 0 && idle < chains.size() && connection.isWritable()) {
            Chain c = chains.get(next);
            next = next + 1 == chains.size() ? 0 : next + 1;
            if (c.remaining <= 0 || !c.outlet.isWritable()) {
                idle++;
                continue;
            }
            idle = 0;
            ByteBuf m = Chains.framed(c.outlet.alloc(), c.tag, messageSize);
            c.remaining -= messageSize;
            budget -= m.readableBytes();
            wrote += messageSize;
            c.outlet.write(wrap.apply(m), c.outlet.voidPromise());
        }
        if (wrote > 0) {
            sent += wrote;
            connection.flush();
            if (budget <= 0) {
                schedule(); // more to send: let the loop do I/O first
            }
        }
    }

    @ChannelHandler.Sharable
    private final class Listener extends ChannelInboundHandlerAdapter {
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                schedule();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a write after the peer closed, at teardown: nothing left to measure
        }
    }
}
