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
 * direction, then it stops reading) and forwards it unchanged, in order, after the delay; no loss.
 * TCP's own flow control therefore sees a short path, while flow control above TCP (a multiplexer's
 * windows, whose updates cross the relay too) sees the long one. So it tests how a window caps
 * throughput at window / RTT, not how TCP itself behaves on a long path.
 *
 * <p>With a rate ({@link #start(SocketAddress, Duration, long)}), each direction of each relayed
 * connection is also a link of that many bytes per second: a chunk leaves once the ones before it
 * have, plus its own size at the rate, plus the delay. The queue of such a link is the connection's
 * own, as when a TCP connection's throughput is set by its congestion window on a long path; it is
 * not a bottleneck shared by several connections.
 *
 * <p>One event loop serves both directions of every connection; order is kept because each chunk
 * waits the same time and Netty runs tasks that fall due together in submission order.
 */
public final class DelayLine implements AutoCloseable {
    /** Bytes held per direction before the relay stops reading from the sender. */
    public static final long MAX_HELD_BYTES = 256L * 1024 * 1024;
    public static final Duration MAX_DELAY = Duration.ofSeconds(10);
    /** The fastest link a relay models (100 Gbit/s); more is "no limit" (0). */
    public static final long MAX_BYTES_PER_SECOND = 12_500_000_000L;

    private final EventLoopGroup group = Loops.newGroup("delay-line");
    private final ChannelGroup channels = Loops.newChannelGroup("delay-line");
    private final Channel listener;
    /** Loop-confined, like the directions themselves. */
    private final List<Direction> directions = new ArrayList<>();

    private DelayLine(SocketAddress target, long delayNanos, long bytesPerSecond) throws InterruptedException {
        listener = new ServerBootstrap()
                .group(group)
                .channel(Loops.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel inbound) {
                        channels.add(inbound);
                        connect(inbound, target, delayNanos, bytesPerSecond);
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
        return new DelayLine(target, checkDelay(oneWay).toNanos(), 0);
    }

    /**
     * Starts a relay to {@code target} with {@code oneWay} delay each way, each direction of each
     * connection a link of {@code bytesPerSecond} (0: no limit).
     *
     * @throws IllegalArgumentException if the delay is out of range, or the rate negative or above
     *                                  {@link #MAX_BYTES_PER_SECOND}
     */
    public static DelayLine start(SocketAddress target, Duration oneWay, long bytesPerSecond)
            throws InterruptedException {
        return new DelayLine(target, checkDelay(oneWay).toNanos(), checkRate(bytesPerSecond));
    }

    /**
     * Returns {@code bytesPerSecond} if a relay can apply it (0 for no limit).
     *
     * @throws IllegalArgumentException if it is negative or above {@link #MAX_BYTES_PER_SECOND}
     */
    public static long checkRate(long bytesPerSecond) {
        if (bytesPerSecond < 0 || bytesPerSecond > MAX_BYTES_PER_SECOND) {
            throw new IllegalArgumentException("path rate must be in [0, " + MAX_BYTES_PER_SECOND
                    + "] bytes/s (0: no limit): " + bytesPerSecond);
        }
        return bytesPerSecond;
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

    private void connect(Channel inbound, SocketAddress target, long delayNanos, long bytesPerSecond) {
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
                    Direction up = new Direction(outbound, delayNanos, bytesPerSecond);
                    Direction down = new Direction(inbound, delayNanos, bytesPerSecond);
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
        /** The link's rate, or 0 for none. */
        private final long bytesPerSecond;
        /** When the link has sent what it holds (System.nanoTime), before the delay; rated links only. */
        private long linkFreeAt = System.nanoTime();
        /** Chunks waiting out the delay, oldest first; each has one scheduled {@link #forwardOldest}. */
        private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
        private final Runnable forwardOldest = this::forwardOldest;
        private Direction reverse;
        private ChannelHandlerContext from;
        private long heldBytes;
        private boolean paused;

        Direction(Channel to, long delayNanos, long bytesPerSecond) {
            this.to = to;
            this.delayNanos = delayNanos;
            this.bytesPerSecond = bytesPerSecond;
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
            ctx.executor().schedule(forwardOldest, waitNanos(buf.readableBytes()), TimeUnit.NANOSECONDS);
        }

        /**
         * How long a chunk of {@code bytes} arriving now waits: the delay, and on a rated link the time
         * to send what is ahead of it and itself. Deadlines never decrease, so chunks leave in order.
         */
        private long waitNanos(int bytes) {
            if (bytesPerSecond == 0) {
                return delayNanos;
            }
            long now = System.nanoTime();
            long start = linkFreeAt - now > 0 ? linkFreeAt : now;
            linkFreeAt = start + (long) (bytes * 1e9 / bytesPerSecond);
            return linkFreeAt - now + delayNanos;
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
