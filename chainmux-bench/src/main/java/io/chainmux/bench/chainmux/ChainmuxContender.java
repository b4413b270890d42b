package io.chainmux.bench.chainmux;

import io.chainmux.bench.Contender;
import io.chainmux.bench.Running;
import io.chainmux.bench.Workload;
import io.chainmux.bench.traffic.Loops;
import io.chainmux.bench.traffic.Meter;
import io.chainmux.mux.MuxConfig;
import io.chainmux.mux.MuxHandler;
import io.chainmux.mux.MuxSession;
import io.chainmux.mux.MuxStream;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * chainmux over one loopback TCP connection: the client opens one stream per workload stream and
 * sends whole messages with {@link MuxStream#trySend}; the server accepts every stream and checks
 * each message's stream index and sequence number. Same loops, water marks and message layout as
 * the other contenders.
 */
public final class ChainmuxContender implements Contender {
    public static final String NAME = "chainmux";

    private final MuxConfig config;

    public ChainmuxContender() {
        this(MuxConfig.builder().maxInboundStreams(Workload.MAX_STREAMS)
                .maxStreamsPerNetwork(Workload.MAX_STREAMS).build());
    }

    public ChainmuxContender(MuxConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Running start(Workload workload, Meter meter) throws Exception {
        Rig rig = new Rig();
        try {
            rig.open(workload, meter);
            return rig;
        } catch (Throwable t) {
            rig.close();
            throw t;
        }
    }

    private final class Rig implements Running {
        private final EventLoopGroup serverGroup = Loops.newGroup(NAME + "-server");
        private final EventLoopGroup clientGroup = Loops.newGroup(NAME + "-client");
        private final ChannelGroup accepted = Loops.newChannelGroup(NAME + "-accepted");
        private Channel listener;
        private Channel client;
        private StreamSender sender;

        void open(Workload w, Meter meter) throws Exception {
            Receiver receiver = new Receiver(w, meter);
            listener = new ServerBootstrap()
                    .group(serverGroup)
                    .channel(Loops.serverChannel())
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, Loops.WATER_MARK)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            accepted.add(ch);
                            ch.pipeline().addLast(new MuxHandler(new MuxSession(config, false, receiver)));
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();

            CompletableFuture<MuxSession> ready = new CompletableFuture<>();
            MuxSession session = new MuxSession(config, true, new ReadySignal(ready));
            client = new Bootstrap()
                    .group(clientGroup)
                    .channel(Loops.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Loops.WATER_MARK)
                    .handler(new MuxHandler(session))
                    .connect(listener.localAddress()).sync().channel();
            ready.get(10, TimeUnit.SECONDS);
            List<MuxStream> streams = new ArrayList<>(w.streams());
            sender = new StreamSender(client.eventLoop(), w, meter);
            for (int i = 0; i < w.streams(); i++) {
                streams.add(session.openStream("bench-" + i, w.messageSize(), 1, sender));
            }
            sender.start(streams);
        }

        @Override
        public void close() {
            if (sender != null) {
                sender.stop();
            }
            if (client != null) {
                Loops.close(List.of(client));
            }
            Loops.close(accepted);
            if (listener != null) {
                Loops.close(List.of(listener));
            }
            Loops.shutdown(clientGroup, serverGroup);
        }
    }
}
