package io.chainmux.bench.http2;

import io.chainmux.bench.Contender;
import io.chainmux.bench.Running;
import io.chainmux.bench.Workload;
import io.chainmux.bench.traffic.FailOnError;
import io.chainmux.bench.traffic.Handlers;
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
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * HTTP/2 over one TCP connection with Netty's child-channel API. Settings are Netty's defaults
 * (16 KiB frames) except the receiver's flow-control window, {@link #WINDOW} for each stream (Netty's
 * server codec raises the connection window to the same value), and MAX_CONCURRENT_STREAMS, raised
 * from Netty's 100 to {@link Workload#MAX_STREAMS} so 1000 streams can be open at once.
 */
public final class Http2Contender implements Contender {
    public static final String NAME = "http2";
    /** Receive window per stream and per connection: large enough not to be the bottleneck on loopback. */
    public static final int WINDOW = 16 * 1024 * 1024;
    /** Messages per DATA frame write: the default SETTINGS_MAX_FRAME_SIZE. */
    static final int FRAME_BYTES = 16 * 1024;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Running start(Workload w, Meter meter) throws Exception {
        Rig rig = new Rig();
        try {
            rig.open(w, meter);
            return rig;
        } catch (Throwable t) {
            rig.close();
            throw t;
        }
    }

    private static final class Rig implements Running {
        private final EventLoopGroup serverGroup = Loops.newGroup(NAME + "-server");
        private final EventLoopGroup clientGroup = Loops.newGroup(NAME + "-client");
        private final ChannelGroup accepted = Loops.newChannelGroup(NAME + "-accepted");
        private Channel listener;
        private Channel connection;
        private final ConnectionHandler connectionHandler = new ConnectionHandler();
        private RoundRobinSender sender;

        void open(Workload w, Meter meter) throws Exception {
            SequenceChecker checker = new SequenceChecker(w.streams());
            listener = new ServerBootstrap()
                    .group(serverGroup)
                    .channel(Loops.serverChannel())
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            accepted.add(ch);
                            ch.pipeline().addLast(
                                    Http2FrameCodecBuilder.forServer()
                                            .initialSettings(Http2Settings.defaultSettings()
                                                    .initialWindowSize(WINDOW)
                                                    .maxConcurrentStreams(Workload.MAX_STREAMS))
                                            .build(),
                                    new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                        @Override
                                        protected void initChannel(Http2StreamChannel stream) {
                                            stream.pipeline().addLast(new DataFrameContent(), Framing.decoder(),
                                                    new MessageCounter(checker, w.messageSize(), true, meter));
                                        }
                                    }),
                                    new FailOnError(meter));
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();

            connection = new Bootstrap()
                    .group(clientGroup)
                    .channel(Loops.socketChannel())
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Loops.WATER_MARK)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()), connectionHandler);
                        }
                    })
                    .connect(listener.localAddress()).sync().channel();

            connectionHandler.awaitSettings(10_000);
            Http2StreamChannelBootstrap streams = new Http2StreamChannelBootstrap(connection)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Loops.WATER_MARK)
                    .handler(Handlers.none());
            DefaultHttp2Headers headers = new DefaultHttp2Headers();
            headers.method("POST").scheme("http").authority("127.0.0.1").path("/bench");
            List<Http2StreamChannel> children = new ArrayList<>();
            List<SendCursor> cursors = new ArrayList<>();
            for (int i = 0; i < w.streams(); i++) {
                Http2StreamChannel child = streams.open().sync().getNow();
                child.writeAndFlush(new DefaultHttp2HeadersFrame(headers, false)).sync();
                children.add(child);
                cursors.add(new SendCursor(i, 1, w.messageSize()));
            }
            sender = new RoundRobinSender(children, cursors, FRAME_BYTES, buf -> new DefaultHttp2DataFrame(buf, false),
                    connection, meter);
            connection.pipeline().addLast(sender.listener());
            for (Http2StreamChannel child : children) {
                child.pipeline().addLast(sender.listener());
            }
            sender.start();
        }

        @Override
        public void close() {
            if (sender != null) {
                sender.stop();
            }
            if (connection != null) {
                Loops.close(List.of(connection));
            }
            Loops.close(accepted);
            if (listener != null) {
                Loops.close(List.of(listener));
            }
            Loops.shutdown(clientGroup, serverGroup);
        }
    }
}
