package io.chainmux.bench.tcp;

import io.chainmux.bench.Running;
import io.chainmux.bench.Workload;
import io.chainmux.bench.traffic.FramedReceiver;
import io.chainmux.bench.traffic.FramedSender;
import io.chainmux.bench.traffic.Loops;
import io.chainmux.bench.traffic.Meter;
import io.chainmux.bench.traffic.MessageParser;
import io.chainmux.bench.traffic.SendCursor;
import io.chainmux.bench.traffic.SequenceChecker;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Server and client of the TCP contenders: {@code connections} sockets, each carrying an equal
 * share of the workload's streams as length-prefixed messages.
 */
final class TcpRig implements Running {
    /** Size of each pooled buffer a sender packs messages into. */
    static final int BATCH_BYTES = 64 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final EventLoopGroup serverGroup;
    private final EventLoopGroup clientGroup;
    private final List<FramedSender> senders = new ArrayList<>();
    private final List<Channel> clients = new ArrayList<>();
    private final ChannelGroup accepted;
    private Channel listener;

    private TcpRig(String name) {
        serverGroup = Loops.newGroup(name + "-server");
        clientGroup = Loops.newGroup(name + "-client");
        accepted = Loops.newChannelGroup(name + "-accepted");
    }

    /**
     * @param connectionPerStream true: one socket per stream; false: one socket carrying all streams
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
                        ch.pipeline().addLast(new FramedReceiver(
                                new MessageParser(checker, size, connectionPerStream), size, meter));
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();

        int connections = connectionPerStream ? w.streams() : 1;
        int streamsPerConnection = connectionPerStream ? 1 : w.streams();
        // Spread evenly: each socket gets the same share of a pass's budget.
        int passBudget = Math.max(Loops.PASS_BUDGET / connections, 1);
        int batch = Math.min(BATCH_BYTES, passBudget);
        List<ChannelFuture> connecting = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            FramedSender sender = new FramedSender(
                    new SendCursor(i * streamsPerConnection, streamsPerConnection, size), passBudget, batch, meter);
            senders.add(sender);
            connecting.add(new Bootstrap()
                    .group(clientGroup)
                    .channel(Loops.socketChannel())
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Loops.WATER_MARK)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                    .handler(sender)
                    .connect(listener.localAddress()));
        }
        for (ChannelFuture f : connecting) {
            clients.add(f.sync().channel());
        }
    }

    @Override
    public void close() {
        senders.forEach(FramedSender::stop);
        Loops.close(clients);
        Loops.close(accepted);
        if (listener != null) {
            Loops.close(List.of(listener));
        }
        Loops.shutdown(clientGroup, serverGroup);
    }
}
