package io.chainmux.bench.fairness;

import io.chainmux.bench.http2.ConnectionHandler;
import io.chainmux.bench.http2.DataFrameContent;
import io.chainmux.bench.http2.Http2Contender;
import io.chainmux.bench.traffic.Framing;
import io.chainmux.bench.traffic.Loops;
import io.chainmux.bench.Workload;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.concurrent.Future;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/2 with Netty's codec-http2 as the {@code http2} contender sets it up (16 MiB windows per stream
 * and connection, credit returned as each child channel reads), one HTTP/2 stream per chain. Streams
 * all have the default priority: RFC 9113 deprecated the priority scheme, so there are no weights. A
 * stalled chain's child channel stops reading ({@code autoRead} off) when its HEADERS name
 * {@value #STALL_PATH}: its DATA waits in the child, unconsumed, as behind an application that stopped.
 */
final class Http2Rig implements FairnessRig {
    static final String STALL_PATH = "/stall";
    private static final String CHAIN_PATH = "/chain";

    private final EventLoopGroup serverGroup = Loops.newGroup("fair-h2-server");
    private final EventLoopGroup clientGroup = Loops.newGroup("fair-h2-client");
    private final ChannelGroup accepted = Loops.newChannelGroup("fair-h2-accepted");
    /** Server-side streams that stopped reading: a closed HTTP/2 stream's channel waits for a read, so close them. */
    private final ChannelGroup stalledStreams = Loops.newChannelGroup("fair-h2-stalled");
    private final ConnectionHandler connectionHandler = new ConnectionHandler();
    private final List<Http2StreamChannel> small = new ArrayList<>();
    private Channel listener;
    private Channel connection;
    private Http2StreamChannelBootstrap streams;
    private ChannelPump pump;

    Http2Rig(Sink sink) throws Exception {
        try {
            listener = new ServerBootstrap().group(serverGroup).channel(Loops.serverChannel())
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            accepted.add(ch);
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forServer()
                                            .initialSettings(Http2Settings.defaultSettings()
                                                    .initialWindowSize(Http2Contender.WINDOW)
                                                    .maxConcurrentStreams(Workload.MAX_STREAMS))
                                            .build(),
                                    new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                        @Override
                                        protected void initChannel(Http2StreamChannel stream) {
                                            stream.pipeline().addLast(new StallOnPath(stalledStreams), new DataFrameContent(),
                                                    Framing.decoder(), new ChainReceiver(sink, 0, 0));
                                        }
                                    }), CloseOnError.INSTANCE);
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            connection = new Bootstrap().group(clientGroup).channel(Loops.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Loops.WATER_MARK)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()), connectionHandler,
                                    CloseOnError.INSTANCE);
                        }
                    })
                    .connect(listener.localAddress()).sync().channel();
            connectionHandler.awaitSettings(10_000);
            streams = new Http2StreamChannelBootstrap(connection)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Loops.WATER_MARK)
                    .handler(CloseOnError.INSTANCE);
            pump = new ChannelPump(connection, FairnessRun.SATURATING_MESSAGE, b -> new DefaultHttp2DataFrame(b, false));
        } catch (Throwable t) {
            close();
            throw t;
        }
    }

    /** Opens a stream and sends its HEADERS; the future completes with the stream on the client loop. */
    private Future<Http2StreamChannel> open(String path) {
        DefaultHttp2Headers headers = new DefaultHttp2Headers();
        headers.method("POST").scheme("http").authority("127.0.0.1").path(path);
        return streams.open().addListener(f -> {
            if (f.isSuccess()) {
                ((Http2StreamChannel) f.getNow()).writeAndFlush(new DefaultHttp2HeadersFrame(headers, false));
            }
        });
    }

    @Override
    public boolean hasWeights() {
        return false;
    }

    @Override
    public void saturate(int slot, int weight) throws Exception {
        pump.add(open(CHAIN_PATH).get(10, TimeUnit.SECONDS), Chains.tag(Chains.SATURATING, slot), Long.MAX_VALUE);
    }

    @Override
    public void openSmall(int count) throws Exception {
        for (int i = 0; i < count; i++) {
            small.add(open(CHAIN_PATH).get(10, TimeUnit.SECONDS));
        }
    }

    @Override
    public void sendSmall(int chain) {
        Http2StreamChannel s = small.get(chain);
        s.write(new DefaultHttp2DataFrame(Chains.framed(s.alloc(), Chains.tag(Chains.SMALL, chain),
                FairnessRun.SMALL_MESSAGE), false), s.voidPromise());
    }

    @Override
    public void flushSmall() {
        connection.flush();
    }

    @Override
    public ScheduledExecutorService ticker() {
        return connection.eventLoop();
    }

    @Override
    public void stall(int count, int bytes) throws Exception {
        List<Future<Http2StreamChannel>> opening = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            opening.add(open(STALL_PATH));
        }
        for (int i = 0; i < count; i++) {
            pump.add(opening.get(i).get(10, TimeUnit.SECONDS), Chains.tag(Chains.STALLED, i), bytes);
        }
    }

    @Override
    public long stallProgress() {
        return pump.sent();
    }

    @Override
    public void close() {
        if (pump != null) {
            pump.stop();
        }
        Loops.close(stalledStreams);
        if (connection != null) {
            Loops.close(List.of(connection));
        }
        Loops.close(accepted);
        if (listener != null) {
            Loops.close(List.of(listener));
        }
        Loops.shutdown(clientGroup, serverGroup);
    }

    /** Server side: a stream whose HEADERS name the stall path is never read again. */
    private static final class StallOnPath extends ChannelInboundHandlerAdapter {
        private final ChannelGroup stalled;

        StallOnPath(ChannelGroup stalled) {
            this.stalled = stalled;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame h && STALL_PATH.contentEquals(h.headers().path())) {
                ctx.channel().config().setAutoRead(false);
                stalled.add(ctx.channel());
            }
            ctx.fireChannelRead(msg);
        }
    }
}
