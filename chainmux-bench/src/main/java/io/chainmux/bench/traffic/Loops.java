package io.chainmux.bench.traffic;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Event loops and socket settings shared by the Netty contenders: one single-thread group per side,
 * native epoll where available, and the same write-buffer water marks everywhere.
 */
public final class Loops {
    /** Bytes a sender writes per event-loop pass before it lets the loop do I/O; one flush per pass. */
    public static final int PASS_BUDGET = 1024 * 1024;
    /** Outbound water marks of every sending channel: the sender stops above high, resumes below low. */
    public static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(512 * 1024, 1024 * 1024);

    private static final long QUIET_PERIOD_MILLIS = 100;

    private Loops() {}

    public static boolean epoll() {
        return Epoll.isAvailable();
    }

    /** "epoll" or "nio": the transport the Netty contenders use in this JVM. */
    public static String transportName() {
        return epoll() ? "epoll" : "nio";
    }

    /** A single-thread event loop group with daemon threads named after {@code name}. */
    public static EventLoopGroup newGroup(String name) {
        IoHandlerFactory io = epoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name, true), io);
    }

    public static Class<? extends SocketChannel> socketChannel() {
        return epoll() ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public static Class<? extends ServerChannel> serverChannel() {
        return epoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** Accepted server channels, so teardown can close them before their event loop goes away. */
    public static ChannelGroup newChannelGroup(String name) {
        return new DefaultChannelGroup(name, GlobalEventExecutor.INSTANCE);
    }

    /** Closes the channels and waits (bounded) for the closes. */
    public static void close(Iterable<? extends Channel> channels) {
        List<ChannelFuture> closing = new ArrayList<>();
        for (Channel c : channels) {
            closing.add(c.close());
        }
        for (ChannelFuture f : closing) {
            f.awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Shuts the groups down and waits (bounded) for their threads to end. The short quiet period lets
     * tasks queued by closing channels (pipeline teardown, buffer release) run first.
     */
    public static void shutdown(EventLoopGroup... groups) {
        for (EventLoopGroup g : groups) {
            if (g != null) {
                g.shutdownGracefully(QUIET_PERIOD_MILLIS, 3_000, TimeUnit.MILLISECONDS);
            }
        }
        for (EventLoopGroup g : groups) {
            if (g != null) {
                g.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
    }
}
