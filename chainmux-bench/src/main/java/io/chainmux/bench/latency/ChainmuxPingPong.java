package io.chainmux.bench.latency;

import io.chainmux.bench.Running;
import io.chainmux.bench.chainmux.ChainmuxContender;
import io.chainmux.bench.traffic.Loops;
import io.chainmux.bench.traffic.Payloads;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxConfig;
import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.ConnectionListener;
import io.chainmux.mux.StreamListener;
import io.chainmux.wire.ErrorCode;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * chainmux ping-pong on one stream of one connection, default {@link MuxConfig}: the server echoes each
 * message on the same stream with {@link MuxStream#trySendCopy}; the client sends the next one from
 * its listener, as an application answering a request would.
 */
public final class ChainmuxPingPong implements PingPong {
    private final MuxConfig config = MuxConfig.builder().build();

    @Override
    public String name() {
        return ChainmuxContender.NAME;
    }

    @Override
    public Running start(int messageSize, Recorder rtt, Failures failures) throws Exception {
        EventLoopGroup serverGroup = Loops.newGroup("rtt-mux-server");
        EventLoopGroup clientGroup = Loops.newGroup("rtt-mux-client");
        ChannelGroup accepted = Loops.newChannelGroup("rtt-mux-accepted");
        Channel[] channels = new Channel[2];
        Client client = new Client(messageSize, rtt, failures);
        Running running = () -> {
            client.stopped = true;
            for (Channel c : channels) {
                if (c != null) {
                    Loops.close(List.of(c));
                }
            }
            Loops.close(accepted);
            Loops.shutdown(clientGroup, serverGroup);
        };
        try {
            Echo echo = new Echo(messageSize, failures, client);
            channels[0] = new ServerBootstrap().group(serverGroup).channel(Loops.serverChannel())
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            accepted.add(ch);
                            ch.pipeline().addLast(new MuxConnection(config, false, echo).handler());
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            CompletableFuture<MuxConnection> ready = new CompletableFuture<>();
            MuxConnection connection = new MuxConnection(config, true, new ConnectionListener() {
                @Override
                public void onStreamOpened(MuxStream stream) {
                    stream.refuse(ErrorCode.REFUSED_UNKNOWN_NETWORK, null);
                }

                @Override
                public void onReady(MuxConnection s) {
                    ready.complete(s);
                }
            });
            channels[1] = new Bootstrap().group(clientGroup).channel(Loops.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .handler(connection.handler())
                    .connect(channels[0].localAddress()).sync().channel();
            ready.get(10, TimeUnit.SECONDS);
            channels[1].eventLoop().execute(() -> connection.openStream("rtt", messageSize, 1, client));
            return running;
        } catch (Throwable t) {
            running.close();
            throw t;
        }
    }

    /** Server side: accepts the stream and echoes every message on it. */
    private static final class Echo implements ConnectionListener, StreamListener {
        private final int size;
        private final Failures failures;
        private final Client client;

        Echo(int size, Failures failures, Client client) {
            this.size = size;
            this.failures = failures;
            this.client = client;
        }

        @Override
        public void onStreamOpened(MuxStream stream) {
            stream.accept(this, size);
        }

        @Override
        public void onMessage(MuxStream stream, ByteBuf message) {
            try {
                if (!stream.trySendCopy(message)) {
                    failures.fail(new IllegalStateException("echo refused with one message in flight"));
                }
            } finally {
                message.release();
            }
            stream.consumed(size);
        }

        @Override
        public void onClosed(MuxStream stream, CloseReason reason) {
            if (!client.stopped) {
                failures.fail(new IOException("echo stream closed during the run: " + reason));
            }
        }
    }

    /** Client side: sends from its listener, records each round trip. */
    private static final class Client implements StreamListener {
        private final int size;
        private final Recorder rtt;
        private final Failures failures;
        private ByteBuf scratch;
        private long seq;
        private long sentAt;
        volatile boolean stopped;

        Client(int size, Recorder rtt, Failures failures) {
            this.size = size;
            this.rtt = rtt;
            this.failures = failures;
        }

        @Override
        public void onAccepted(MuxStream stream) {
            send(stream);
        }

        @Override
        public void onMessage(MuxStream stream, ByteBuf message) {
            long now = System.nanoTime();
            try {
                if (message.readableBytes() != size || message.getLong(message.readerIndex()) != seq - 1) {
                    failures.fail(new IllegalStateException("unexpected echo of " + message.readableBytes() + " bytes"));
                    return;
                }
            } finally {
                message.release();
            }
            stream.consumed(size);
            rtt.recordValue(now - sentAt);
            send(stream);
        }

        private void send(MuxStream stream) {
            if (scratch == null) {
                scratch = PooledByteBufAllocator.DEFAULT.directBuffer(Payloads.LENGTH_PREFIX + size);
            }
            scratch.clear();
            Payloads.writeFramed(scratch, size, seq++, 0);
            scratch.skipBytes(Payloads.LENGTH_PREFIX);
            sentAt = System.nanoTime();
            if (!stream.trySendCopy(scratch)) {
                failures.fail(new IllegalStateException("send refused with nothing in flight"));
            }
        }

        @Override
        public void onClosed(MuxStream stream, CloseReason reason) {
            if (scratch != null) {
                scratch.release();
                scratch = null;
            }
            if (!stopped) {
                failures.fail(new IOException("stream closed during the run: " + reason));
            }
        }
    }
}
