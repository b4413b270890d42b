package io.chainmux.bench.traffic;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DelayLineTest {
    private static final long WAIT_SECONDS = 20;

    /** Echoes every byte back. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    /** Collects what comes back until {@code expected} bytes are in. */
    private static final class Collect extends ChannelInboundHandlerAdapter {
        final ByteBuf got = Unpooled.buffer();
        final CompletableFuture<Long> done = new CompletableFuture<>();
        final int expected;

        Collect(int expected) {
            this.expected = expected;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            got.writeBytes(b);
            b.release();
            if (got.readableBytes() >= expected) {
                done.complete(System.nanoTime());
            }
        }
    }

    @Test
    void bytesComeBackWholeInOrderAfterTwiceTheDelay() throws Exception {
        Duration oneWay = Duration.ofMillis(20);
        // many writes: order must hold across them
        Duration took = echoThrough(target -> DelayLine.start(target, oneWay), 64 * 1024);
        assertThat(took).as("round trip through the line").isGreaterThanOrEqualTo(oneWay.multipliedBy(2));
    }

    @Test
    void aRatedLineSendsNoFasterThanItsRateWholeAndInOrder() throws Exception {
        long rate = 8L << 20; // 8 MiB/s each way
        Duration took = echoThrough(target -> DelayLine.start(target, Duration.ofMillis(1), rate), 16 * 1024);
        // 1 MiB at 8 MiB/s takes 125 ms on the way out; the echo pipelines behind it.
        assertThat(took).as("1 MiB through an 8 MiB/s link and back").isGreaterThanOrEqualTo(Duration.ofMillis(125));
    }

    /** Starts a line in front of an echo server. */
    private interface LineStart {
        DelayLine start(SocketAddress target) throws InterruptedException;
    }

    /**
     * Sends 1 MiB of a pattern through a line to an echo server, in writes of {@code chunk} bytes,
     * asserts that it comes back whole and in order, and returns how long that took.
     */
    private static Duration echoThrough(LineStart lineStart, int chunk) throws Exception {
        EventLoopGroup server = Loops.newGroup("echo");
        EventLoopGroup client = Loops.newGroup("client");
        Channel listener = new ServerBootstrap().group(server).channel(Loops.serverChannel())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new Echo());
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
        byte[] sent = new byte[1 << 20];
        for (int i = 0; i < sent.length; i++) {
            sent[i] = (byte) (i * 31 + (i >>> 8));
        }
        Collect collect = new Collect(sent.length);
        try (DelayLine line = lineStart.start(listener.localAddress())) {
            Channel ch = new Bootstrap().group(client).channel(Loops.socketChannel())
                    .handler(collect)
                    .connect(line.address()).sync().channel();
            long start = System.nanoTime();
            for (int off = 0; off < sent.length; off += chunk) {
                ch.write(Unpooled.wrappedBuffer(sent, off, chunk));
            }
            ch.flush();
            long end = collect.done.get(WAIT_SECONDS, TimeUnit.SECONDS);
            byte[] back = new byte[collect.got.readableBytes()];
            collect.got.readBytes(back);
            assertThat(back).as("what came back").isEqualTo(sent);
            ch.close().sync();
            return Duration.ofNanos(end - start);
        } finally {
            collect.got.release();
            Loops.close(List.of(listener));
            Loops.shutdown(client, server);
        }
    }

    @Test
    void ratesOutsideTheRangeAreRefused() {
        InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1);
        assertThatThrownBy(() -> DelayLine.start(target, Duration.ZERO, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rate");
        assertThatThrownBy(() -> DelayLine.start(target, Duration.ZERO, DelayLine.MAX_BYTES_PER_SECOND + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rate");
    }

    @Test
    void delaysOutsideTheRangeAreRefused() {
        assertThatThrownBy(() -> DelayLine.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 1),
                Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delay");
        assertThatThrownBy(() -> DelayLine.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 1),
                DelayLine.MAX_DELAY.plusMillis(1))).isInstanceOf(IllegalArgumentException.class);
    }
}
