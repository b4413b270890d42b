package io.chainmux.bench.fairness;

import io.chainmux.bench.traffic.Loops;
import io.chainmux.mux.MuxConfig;
import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.ConnectionListener;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One chainmux connection over loopback: a client connection and a server connection, each on its own
 * single-thread event loop, with the loops, water marks and allocator every contender uses.
 */
final class MuxPair implements AutoCloseable {
    private final EventLoopGroup serverGroup = Loops.newGroup("fair-server");
    private final EventLoopGroup clientGroup = Loops.newGroup("fair-client");
    private final ChannelGroup accepted = Loops.newChannelGroup("fair-accepted");
    private Channel listener;
    private Channel clientChannel;
    final MuxConnection client;

    MuxPair(MuxConfig config, ConnectionListener server) throws Exception {
        try {
            listener = new ServerBootstrap().group(serverGroup).channel(Loops.serverChannel())
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, Loops.WATER_MARK)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            accepted.add(ch);
                            ch.pipeline().addLast(new MuxConnection(config, false, server).handler());
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            CompletableFuture<MuxConnection> ready = new CompletableFuture<>();
            client = new MuxConnection(config, true, new ConnectionListener() {
                @Override
                public void onStreamOpened(io.chainmux.mux.MuxStream stream) {
                    stream.refuse(io.chainmux.wire.ErrorCode.REFUSED_BUSY, null);
                }

                @Override
                public void onReady(MuxConnection s) {
                    ready.complete(s);
                }
            });
            clientChannel = new Bootstrap().group(clientGroup).channel(Loops.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Loops.WATER_MARK)
                    .handler(client.handler())
                    .connect(listener.localAddress()).sync().channel();
            ready.get(10, TimeUnit.SECONDS);
        } catch (Throwable t) {
            close();
            throw t;
        }
    }

    /** Runs {@code task} on the client's event loop. */
    void onClientLoop(Runnable task) {
        clientChannel.eventLoop().execute(task);
    }

    io.netty.channel.EventLoop clientLoop() {
        return clientChannel.eventLoop();
    }

    @Override
    public void close() {
        if (clientChannel != null) {
            Loops.close(List.of(clientChannel));
        }
        Loops.close(accepted);
        if (listener != null) {
            Loops.close(List.of(listener));
        }
        Loops.shutdown(clientGroup, serverGroup);
    }
}
