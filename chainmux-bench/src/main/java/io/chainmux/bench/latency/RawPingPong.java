package io.chainmux.bench.latency;

import io.chainmux.bench.Running;
import io.chainmux.bench.tcp.RawTcpContender;
import io.chainmux.bench.traffic.Framing;
import io.chainmux.bench.traffic.Loops;
import io.chainmux.bench.traffic.Payloads;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import org.HdrHistogram.Recorder;

import java.net.InetAddress;
import java.util.List;

/** Raw TCP ping-pong: 4-byte length-prefixed messages, the server re-frames and echoes each one. */
public final class RawPingPong implements PingPong {
    @Override
    public String name() {
        return RawTcpContender.NAME;
    }

    @Override
    public Running start(int messageSize, Recorder rtt, Failures failures) throws Exception {
        EventLoopGroup serverGroup = Loops.newGroup("rtt-raw-server");
        EventLoopGroup clientGroup = Loops.newGroup("rtt-raw-client");
        ChannelGroup accepted = Loops.newChannelGroup("rtt-raw-accepted");
        Channel[] channels = new Channel[2];
        Running running = () -> {
            for (Channel c : channels) {
                if (c != null) {
                    Loops.close(List.of(c));
                }
            }
            Loops.close(accepted);
            Loops.shutdown(clientGroup, serverGroup);
        };
        try {
            channels[0] = new ServerBootstrap().group(serverGroup).channel(Loops.serverChannel())
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            accepted.add(ch);
                            ch.pipeline().addLast(Framing.decoder(), new Echo(failures));
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            channels[1] = new Bootstrap().group(clientGroup).channel(Loops.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(Framing.decoder(), new Client(messageSize, rtt, failures));
                        }
                    })
                    .connect(channels[0].localAddress()).sync().channel();
            return running;
        } catch (Throwable t) {
            running.close();
            throw t;
        }
    }

    /** Echoes each message with its length prefix. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        private final Failures failures;

        Echo(Failures failures) {
            this.failures = failures;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf m = (ByteBuf) msg;
            try {
                ByteBuf out = ctx.alloc().directBuffer(Payloads.LENGTH_PREFIX + m.readableBytes());
                out.writeInt(m.readableBytes()).writeBytes(m);
                ctx.writeAndFlush(out, ctx.voidPromise());
            } finally {
                m.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failures.fail(cause);
        }
    }

    /** Sends one message, records the round trip when its echo arrives, sends the next. */
    private static final class Client extends ChannelInboundHandlerAdapter {
        private final int size;
        private final Recorder rtt;
        private final Failures failures;
        private long seq;
        private long sentAt;

        Client(int size, Recorder rtt, Failures failures) {
            this.size = size;
            this.rtt = rtt;
            this.failures = failures;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            send(ctx);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            long now = System.nanoTime();
            ByteBuf m = (ByteBuf) msg;
            try {
                if (m.readableBytes() != size || m.getLong(m.readerIndex()) != seq - 1) {
                    failures.fail(new IllegalStateException("unexpected echo of " + m.readableBytes() + " bytes"));
                    return;
                }
            } finally {
                m.release();
            }
            rtt.recordValue(now - sentAt);
            send(ctx);
        }

        private void send(ChannelHandlerContext ctx) {
            ByteBuf out = ctx.alloc().directBuffer(Payloads.LENGTH_PREFIX + size);
            Payloads.writeFramed(out, size, seq++, 0);
            sentAt = System.nanoTime();
            ctx.writeAndFlush(out, ctx.voidPromise());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failures.fail(cause);
        }
    }
}
