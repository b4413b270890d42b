package io.chainmux.bench.traffic;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.ReferenceCountUtil;

import java.net.InetAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay on 127.0.0.1 that holds every byte for a fixed time in each direction, so traffic
 * through it sees a round trip of twice that: a long path on a machine whose kernel has no netem.
 *
 * <p>What it models and what not: it buffers what arrives (up to {@link #MAX_HELD_BYTES} per
 * direction, then it stops reading) and forwards it unchanged, in order, after the delay; no loss,
 * no bandwidth limit. TCP's own flow control therefore sees a short path, while flow control above
 * TCP (a multiplexer's windows, whose updates cross the relay too) sees the long one. So it tests
 * how a window caps throughput at window / RTT, not how TCP itself behaves on a long path.
 *
 * <p>One event loop serves both directions of every connection; order is kept because each chunk
 * waits the same time and Netty runs tasks that fall due together in submission order.
 */
public final class DelayLine implements AutoCloseable {
    /** Bytes held per direction before the relay stops reading from the sender. */
    public static final long MAX_HELD_BYTES = 256L * 1024 * 1024;
    public static final Duration MAX_DELAY = Duration.ofSeconds(10);

    private final EventLoopGroup group = Loops.newGroup("delay-line");
    private final ChannelGroup channels = Loops.newChannelGroup("delay-line");
    private final Channel listener;
    /** Loop-confined, like the directions themselves. */
    private final List<Direction> directions = new ArrayList<>();

    private DelayLine(SocketAddress target, long delayNanos) throws InterruptedException {
        listener = new ServerBootstrap()
                .group(group)
                .channel(Loops.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel inbound) {
                        channels.add(inbound);
                        connect(inbound, target, delayNanos);
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }

    /**
     * Starts a relay to {@code target} with {@code oneWay} delay each way.
     *
     * @throws IllegalArgumentException if the delay is negative or above {@link #MAX_DELAY}
     */
    public static DelayLine start(SocketAddress target, Duration oneWay) throws InterruptedException {
        return new DelayLine(target, checkDelay(oneWay).toNanos());
    }

    /**
     * Returns {@code oneWay} if a relay can apply it.
     *
     * @throws IllegalArgumentException if it is null, negative or above {@link #MAX_DELAY}
     */
    public static Duration checkDelay(Duration oneWay) {
        if (oneWay == null || oneWay.isNegative() || oneWay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException("path delay must be in [0, " + MAX_DELAY.toMillis() + "] ms: "
                    + (oneWay == null ? null : oneWay.toMillis()));
        }
        return oneWay;
    }

    /** Where to connect instead of the target. */
    public SocketAddress address() {
        return listener.localAddress();
    }

    private void connect(Channel inbound, SocketAddress target, long delayNanos) {
        new Bootstrap()
                .group(inbound.eventLoop())
                .channel(Loops.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(target)
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        inbound.close();
                        return;
                    }
                    Channel outbound = f.channel();
                    channels.add(outbound);
                    Direction up = new Direction(outbound, delayNanos);
                    Direction down = new Direction(inbound, delayNanos);
                    directions.add(up);
                    directions.add(down);
                    inbound.pipeline().addLast(up);
                    outbound.pipeline().addLast(down);
                    up.reverse = down;
                    down.reverse = up;
                    inbound.read();
                    outbound.read();
                });
    }

    /** Reads from one channel and writes to {@code to} after the delay; on the loop of both. */
    private static final class Direction extends ChannelInboundHandlerAdapter {
        private final Channel to;
        private final long delayNanos;
        /** Chunks waiting out the delay, oldest first; each has one scheduled {@link #forwardOldest}. */
        private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
        private final Runnable forwardOldest = this::forwardOldest;
        private Direction reverse;
        private ChannelHandlerContext from;
        private long heldBytes;
        private boolean paused;

        Direction(Channel to, long delayNanos) {
            this.to = to;
            this.delayNanos = delayNanos;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            from = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            held.add(buf);
            heldBytes += buf.readableBytes();
            ctx.executor().schedule(forwardOldest, delayNanos, TimeUnit.NANOSECONDS);
        }

        private void forwardOldest() {
            ByteBuf buf = held.poll();
            if (buf == null) {
                return; // released when the channel went away
            }
            heldBytes -= buf.readableBytes();
            if (to.isActive()) {
                to.writeAndFlush(buf, to.voidPromise());
            } else {
                buf.release();
            }
            resumeIfRoom();
        }

        /** Drops what is still held; on the loop, once the relay closes. */
        void releaseHeld() {
            for (ByteBuf b; (b = held.poll()) != null; ) {
                b.release();
            }
            heldBytes = 0;
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (heldBytes < MAX_HELD_BYTES && to.isWritable()) {
                ctx.read();
            } else {
                paused = true;
            }
        }

        void resumeIfRoom() {
            if (paused && heldBytes < MAX_HELD_BYTES / 2 && to.isWritable()) {
                paused = false;
                from.read();
            }
        }

        /** The channel this direction writes to is the one {@link #reverse} reads from. */
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            reverse.resumeIfRoom();
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // What is still held arrives first; then the far side sees the close.
            ctx.executor().schedule(() -> to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE),
                    delayNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public void close() {
        Loops.close(List.of(listener));
        Loops.close(channels);
        // Chunks still waiting out the delay would leak when shutdown cancels their tasks.
        group.submit(() -> directions.forEach(Direction::releaseHeld)).awaitUninterruptibly(10, TimeUnit.SECONDS);
        Loops.shutdown(group);
    }
}
