package io.chainmux.bench.tcp;

import io.chainmux.bench.Running;
import io.chainmux.bench.Workload;
import io.chainmux.bench.traffic.Framing;
import io.chainmux.bench.traffic.Loops;
import io.chainmux.bench.traffic.MessageCounter;
import io.chainmux.bench.traffic.Meter;
import io.chainmux.bench.traffic.RoundRobinSender;
import io.chainmux.bench.traffic.SendCursor;
import io.chainmux.bench.traffic.SequenceChecker;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.chainmux.bench.traffic.Handlers;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Server and client of the TCP contenders: one socket carrying every stream, or one socket per
 * stream; 4-byte length-prefixed messages either way.
 */
final class TcpRig implements Running {
    /** Size of each pooled buffer the sender packs messages into (one write). */
    static final int BUFFER_BYTES = 64 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final EventLoopGroup serverGroup;
    private final EventLoopGroup clientGroup;
    private final ChannelGroup accepted;
    private final List<Channel> clients = new ArrayList<>();
    private Channel listener;
    private RoundRobinSender sender;

    private TcpRig(String name) {
        serverGroup = Loops.newGroup(name + "-server");
        clientGroup = Loops.newGroup(name + "-client");
        accepted = Loops.newChannelGroup(name + "-accepted");
    }

    /**
     * @param connectionPerStream true: one socket per stream; false: one socket carrying all streams,
     *                            the stream index in the payload
     */
    static TcpRig start(String name, Workload w, Meter meter, boolean connectionPerStream) throws Exception {
        TcpRig rig = new TcpRig(name);
        try {
            rig.open(w, meter, connectionPerStream);
            return rig;
        } catch (Throwable t) {
            rig.close();
            throw t;
        }
    }

    private void open(Workload w, Meter meter, boolean connectionPerStream) throws Exception {
        int size = w.messageSize();
        SequenceChecker checker = new SequenceChecker(w.streams());
        listener = new ServerBootstrap()
                .group(serverGroup)
                .channel(Loops.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.add(ch);
                        ch.pipeline().addLast(Framing.decoder(),
                                new MessageCounter(checker, size, connectionPerStream, meter));
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();

        int connections = connectionPerStream ? w.streams() : 1;
        List<ChannelFuture> connecting = new ArrayList<>();
        Bootstrap bootstrap = new Bootstrap()
                .group(clientGroup)
                .channel(Loops.socketChannel())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Loops.WATER_MARK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(Handlers.none());
        for (int i = 0; i < connections; i++) {
            connecting.add(bootstrap.connect(listener.localAddress()));
        }
        List<SendCursor> cursors = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            clients.add(connecting.get(i).sync().channel());
            cursors.add(connectionPerStream ? new SendCursor(i, 1, size) : new SendCursor(0, w.streams(), size));
        }
        sender = new RoundRobinSender(clients, cursors, BUFFER_BYTES, buf -> buf, null, meter);
        for (Channel c : clients) {
            c.pipeline().addLast(sender.listener());
        }
        sender.start();
    }

    @Override
    public void close() {
        if (sender != null) {
            sender.stop();
        }
        Loops.close(clients);
        Loops.close(accepted);
        if (listener != null) {
            Loops.close(List.of(listener));
        }
        Loops.shutdown(clientGroup, serverGroup);
    }
}
