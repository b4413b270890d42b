package io.chainmux.mux;

import io.chainmux.endpoint.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Two connections over a real loopback TCP connection, each on its own event loop, with MuxHandler
 * directly on the socket (no handshake): the mux layer alone, end to end.
 */
final class LoopbackMux implements AutoCloseable {
    final EventLoopGroup serverGroup;
    final EventLoopGroup clientGroup;
    final Channel serverChannel;
    final MuxConnection client;
    final MuxConnection server;

    private LoopbackMux(EventLoopGroup sg, EventLoopGroup cg, Channel serverChannel, MuxConnection client,
                        MuxConnection server) {
        this.serverGroup = sg;
        this.clientGroup = cg;
        this.serverChannel = serverChannel;
        this.client = client;
        this.server = server;
    }

    static LoopbackMux start(MuxConfig config, ConnectionListener serverListener, ConnectionListener clientListener)
            throws Exception {
        Transport t = Boolean.getBoolean("test.nio") ? Transport.NIO : Transport.best();
        EventLoopGroup sg = t.newGroup(1, "test-server");
        EventLoopGroup cg = t.newGroup(1, "test-client");
        CompletableFuture<MuxConnection> serverConnection = new CompletableFuture<>();
        WriteBufferWaterMark marks = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);
        Channel serverChannel = new ServerBootstrap().group(sg).channel(t.serverChannel())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, marks)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        MuxConnection s = new MuxConnection(config, false, serverListener);
                        ch.pipeline().addLast(s.handler());
                        serverConnection.complete(s);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        MuxConnection clientConnection = new MuxConnection(config, true, clientListener);
        new Bootstrap().group(cg).channel(t.socketChannel())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, marks)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(clientConnection.handler())
                .connect(serverChannel.localAddress()).sync();
        return new LoopbackMux(sg, cg, serverChannel, clientConnection, serverConnection.get(10, TimeUnit.SECONDS));
    }

    /**
     * Closes both ends and waits for both connections to have closed (and so released their streams'
     * buffers) before stopping the loops: a loop shut down while the server's connection is still open
     * (its EOF not yet read) never runs the connection's close, and its buffers leak.
     */
    @Override
    public void close() throws Exception {
        if (client.channel() != null) {
            client.channel().close().sync();
        }
        if (server.channel() != null) {
            server.channel().close().sync();
        }
        client.closeFuture().get(10, TimeUnit.SECONDS);
        server.closeFuture().get(10, TimeUnit.SECONDS);
        serverChannel.close().sync();
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
