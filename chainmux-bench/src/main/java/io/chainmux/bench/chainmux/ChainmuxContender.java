package io.chainmux.bench.chainmux;

import io.chainmux.bench.Contender;
import io.chainmux.bench.Running;
import io.chainmux.bench.Workload;
import io.chainmux.bench.traffic.DelayLine;
import io.chainmux.bench.traffic.Loops;
import io.chainmux.bench.traffic.Meter;
import io.chainmux.mux.MuxConfig;
import io.chainmux.mux.MuxConnection;
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
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * chainmux over one loopback TCP connection: the client opens one stream per workload stream and
 * gives each a {@link io.chainmux.mux.MessageSource} the connection pulls whole messages from on the
 * stream's turns ({@link MuxStream#sendFrom}); {@link #PUSH} sends them instead
 * ({@link MuxStream#trySendEncoded} small, {@link MuxStream#trySend} large). The server accepts every
 * stream and checks each message's stream index and sequence number. Same loops, water marks and
 * message layout as the other contenders.
 */
public final class ChainmuxContender implements Contender {
    public static final String NAME = "chainmux";
    /**
     * The same with each stream's window capped at 1 MiB instead of 16 MiB. On loopback the smaller
     * cap keeps the bytes in flight cache-sized and moves more; between machines it caps one stream
     * at 1 MiB per round trip (8 MB/s measured at 100 ms, docs/PERFORMANCE.md), which is why it is not
     * the default.
     */
    public static final String ONE_MIB_WINDOW = "chainmux-1mib-window";
    /**
     * The same sending with {@code trySend}: the sender offers each message to its stream, which
     * queues it while others go first, and waits for {@code onWritable} when the stream is full.
     */
    public static final String PUSH = "chainmux-push";

    private final String name;
    private final MuxConfig config;
    /** Whether the streams pull their messages from sources ({@link MuxStream#sendFrom}) rather than push them. */
    private final boolean pull;
    /** Added each way by a {@link DelayLine} between client and server; zero for none. */
    private final Duration pathDelay;

    /** chainmux with the default {@link MuxConfig} (stream limits raised to the workloads' 1000 streams). */
    public ChainmuxContender() {
        this(NAME, benchDefaults().build());
    }

    /** {@link #ONE_MIB_WINDOW}. */
    public static ChainmuxContender oneMibWindow() {
        return new ChainmuxContender(ONE_MIB_WINDOW, benchDefaults().maxStreamWindow(1 << 20).build());
    }

    /** {@link #PUSH}. */
    public static ChainmuxContender push() {
        return new ChainmuxContender(PUSH, benchDefaults().build(), false, Duration.ZERO);
    }

    public ChainmuxContender(String name, MuxConfig config) {
        this(name, config, true, Duration.ZERO);
    }

    private ChainmuxContender(String name, MuxConfig config, boolean pull, Duration pathDelay) {
        this.name = name;
        this.config = config;
        this.pull = pull;
        this.pathDelay = pathDelay;
    }

    @Override
    public Contender over(Duration oneWay) {
        return new ChainmuxContender(name, config, pull, oneWay);
    }

    private static MuxConfig.Builder benchDefaults() {
        return MuxConfig.builder().maxInboundStreams(Workload.MAX_STREAMS).maxStreamsPerNetwork(Workload.MAX_STREAMS);
    }

    @Override
    public String name() {
        return name;
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
        private final EventLoopGroup serverGroup = Loops.newGroup(name + "-server");
        private final EventLoopGroup clientGroup = Loops.newGroup(name + "-client");
        private final ChannelGroup accepted = Loops.newChannelGroup(name + "-accepted");
        private Channel listener;
        private DelayLine path;
        private Channel client;
        private volatile MuxConnection connection;
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
                            ch.pipeline().addLast(new MuxConnection(config, false, receiver).handler());
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();

            CompletableFuture<MuxConnection> ready = new CompletableFuture<>();
            MuxConnection connection = new MuxConnection(config, true, new ReadySignal(ready));
            this.connection = connection;
            client = new Bootstrap()
                    .group(clientGroup)
                    .channel(Loops.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Loops.WATER_MARK)
                    .handler(connection.handler())
                    .connect(serverAddress()).sync().channel();
            ready.get(10, TimeUnit.SECONDS);
            List<MuxStream> streams = new ArrayList<>(w.streams());
            sender = new StreamSender(client.eventLoop(), w, meter, pull);
            for (int i = 0; i < w.streams(); i++) {
                streams.add(connection.openStream("bench-" + i, w.messageSize(), 1, sender));
            }
            sender.start(streams);
        }

        private SocketAddress serverAddress() throws InterruptedException {
            if (pathDelay.isZero()) {
                return listener.localAddress();
            }
            path = DelayLine.start(listener.localAddress(), pathDelay);
            return path.address();
        }

        /** The client connection's count: it sends, so its pipe is the one that tightens. */
        @Override
        public long pipeTightenings() {
            MuxConnection c = connection;
            return c == null ? 0 : c.stats().pipeTightened();
        }

        @Override
        public void close() {
            if (sender != null) {
                sender.stop();
            }
            if (client != null) {
                Loops.close(List.of(client));
            }
            if (path != null) {
                path.close();
            }
            Loops.close(accepted);
            if (listener != null) {
                Loops.close(List.of(listener));
            }
            Loops.shutdown(clientGroup, serverGroup);
        }
    }
}
