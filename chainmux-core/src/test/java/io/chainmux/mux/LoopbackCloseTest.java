package io.chainmux.mux;

import io.chainmux.endpoint.Transport;
import io.chainmux.testing.RawPeer;
import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.Settings;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Closing over real loopback sockets: the write-progress timeout against a peer that never reads
 * (and not against one that reads slowly), and the graceful drain after GO_AWAY that lets an OPEN
 * crossing the GO_AWAY end REFUSED_GOING_AWAY rather than meet a TCP reset.
 */
class LoopbackCloseTest {
    private static final int MIB = 1024 * 1024;
    private EventLoopGroup group;
    private Channel server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close().sync();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** A listening mux whose every accepted stream is sent {@code bytes} at once in 1 MiB messages. */
    private CompletableFuture<MuxConnection> serveFlood(MuxConfig config, int bytes) throws Exception {
        Transport t = Transport.best();
        group = t.newGroup(1, "close-test");
        CompletableFuture<MuxConnection> connection = new CompletableFuture<>();
        StreamListener quiet = new StreamListener() {
            @Override
            public void onMessage(MuxStream stream, ByteBuf message) {
                message.release();
            }

            @Override
            public void onClosed(MuxStream stream, CloseReason reason) {}
        };
        server = new ServerBootstrap().group(group).channel(t.serverChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        MuxConnection s = new MuxConnection(config, false, stream -> {
                            stream.accept(quiet, 1024);
                            for (int sent = 0; sent < bytes; sent += MIB) {
                                ByteBuf m = stream.connection().channel().alloc().buffer(MIB).writeZero(MIB);
                                if (!stream.trySend(m)) {
                                    m.release();
                                    throw new IllegalStateException("the send buffer refused a message");
                                }
                            }
                        });
                        ch.pipeline().addLast(new MuxHandler(s));
                        connection.complete(s);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        return connection;
    }

    private static MuxConfig floodConfig(Duration writeTimeout) {
        return MuxConfig.builder().writeTimeout(writeTimeout).streamSendBuffer(64 * MIB)
                .connectionSendBuffer(64 * MIB).build();
    }

    /** A raw dialer with a small receive buffer that grants huge windows and opens stream 1. */
    private RawPeer rawClient() throws Exception {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(64 * 1024);
        socket.connect(server.localAddress());
        RawPeer raw = new RawPeer(socket, 10_000);
        int big = Integer.MAX_VALUE;
        raw.send(b -> FrameWriter.writeSettings(b, new Settings(16 * 1024, big, big,
                16, 16 * MIB)));
        raw.send(b -> FrameWriter.writeOpen(b, 1, 16 * MIB, "flood/sync/1"));
        return raw;
    }

    @Test
    void aPeerThatNeverReadsIsClosedAfterTheWriteTimeout() throws Exception {
        CompletableFuture<MuxConnection> accepted = serveFlood(floodConfig(Duration.ofMillis(800)), 32 * MIB);
        try (RawPeer raw = rawClient()) {
            MuxConnection s = accepted.get(10, TimeUnit.SECONDS);
            long start = System.nanoTime();
            CloseReason reason = s.closeFuture().get(20, TimeUnit.SECONDS);
            assertThat(reason.code()).isEqualTo(ErrorCode.WRITE_TIMEOUT);
            assertThat(reason.message()).contains("read none of our output");
            assertThat(s.brokenBudget()).isEqualTo(Budget.WRITE_PROGRESS);
            assertThat(s.stats().budgetExceeded(Budget.WRITE_PROGRESS)).isEqualTo(1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        }
    }

    @Test
    void aPeerThatKeepsSendingButReadsNothingIsClosedByItsUnansweredPing() throws Exception {
        // Our output (one PING and the PING ACKs) fits in the kernel's buffers, so nothing is ever
        // pending in the channel: only the unanswered PING shows that the peer reads nothing.
        CompletableFuture<MuxConnection> accepted = serveFlood(floodConfig(Duration.ofMillis(800)), 0);
        try (RawPeer raw = rawClient()) {
            MuxConnection s = accepted.get(10, TimeUnit.SECONDS);
            CompletableFuture<Duration> ping = s.ping();
            long start = System.nanoTime();
            for (int i = 0; i < 100 && !s.isClosed(); i++) {
                long opaque = i;
                raw.send(b -> FrameWriter.writePing(b, false, opaque)); // busy sending, never reading
                Thread.sleep(100); // the peer's pace, not synchronization
            }
            CloseReason reason = s.closeFuture().get(10, TimeUnit.SECONDS);
            assertThat(reason.code()).isEqualTo(ErrorCode.WRITE_TIMEOUT);
            assertThat(reason.message()).contains("answered no PING");
            assertThat(s.brokenBudget()).isEqualTo(Budget.WRITE_PROGRESS);
            assertThat(ping).isCompletedExceptionally();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        }
    }

    @Test
    void aPeerThatAnswersPingsButSendsLittleIsNotClosed() throws Exception {
        // A quiet peer that reads: its answers come back, so the PING rule never fires, however long
        // the connection stays quiet (here 3 write timeouts).
        RecordingListener serverApp = new RecordingListener();
        RecordingListener clientApp = new RecordingListener();
        MuxConfig config = MuxConfig.builder().writeTimeout(Duration.ofMillis(500)).build();
        try (LoopbackMux mux = LoopbackMux.start(config, serverApp, clientApp)) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            int answered = 0;
            for (int i = 0; i < 100 && System.nanoTime() < deadline; i++) {
                mux.server.ping().get(5, TimeUnit.SECONDS);
                answered++;
                Thread.sleep(100); // time passing between PINGs, not synchronization
            }
            assertThat(answered).isGreaterThan(3);
            assertThat(mux.server.isClosed()).isFalse();
            assertThat(mux.server.stats().budgetExceeded(Budget.WRITE_PROGRESS)).isZero();
        }
    }

    @Test
    void aPeerThatReadsSlowlyIsNotClosed() throws Exception {
        // 8 MiB pending; the peer reads 32 KiB every 100 ms (a slow link): progress, so no timeout,
        // though the read takes far longer than the 2 s write timeout.
        CompletableFuture<MuxConnection> accepted = serveFlood(floodConfig(Duration.ofSeconds(2)), 8 * MIB);
        try (RawPeer raw = rawClient()) {
            MuxConnection s = accepted.get(10, TimeUnit.SECONDS);
            InputStream in = raw.socket().getInputStream();
            byte[] buf = new byte[32 * 1024];
            long read = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            for (int i = 0; i < 100 && System.nanoTime() < deadline; i++) {
                read += Math.max(0, in.read(buf));
                Thread.sleep(100); // the slow link, not synchronization
            }
            assertThat(read).isGreaterThan(0);
            assertThat(s.isClosed()).as("closed: %s", s.closeFuture().getNow(null)).isFalse();
            assertThat(s.stats().budgetExceeded(Budget.WRITE_PROGRESS)).isZero();
        }
    }

    @Test
    void anOpenCrossingAGoAwayEndsRefusedGoingAway() throws Exception {
        RecordingListener serverApp = new RecordingListener();
        RecordingListener clientApp = new RecordingListener();
        try (LoopbackMux mux = LoopbackMux.start(MuxConfig.defaults(), serverApp, clientApp)) {
            mux.client.ping().get(10, TimeUnit.SECONDS); // both ready
            Channel serverCh = mux.server.channel();
            CountDownLatch serverDone = new CountDownLatch(1);
            // The client's loop is busy while the server goes away, so it reads nothing, and then
            // writes (opens) before it reads: its OPENs cross the GO_AWAY.
            Future<List<MuxStream>> crossing = mux.client.channel().eventLoop().submit(() -> {
                assertThat(serverDone.await(10, TimeUnit.SECONDS)).isTrue();
                List<MuxStream> opened = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    // had the server closed, the second write meets the reset the first provoked, and the
                    // client closes without ever reading the GO_AWAY
                    opened.add(mux.client.openStream("crossing/sync/" + i, 1024, 1, clientApp));
                    mux.client.writer.writePass();
                }
                return opened;
            });
            mux.server.goAway("test");
            // Wait until the server is done with the connection: closed (before) or output half-closed (now).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (serverCh.isActive() && !((DuplexChannel) serverCh).isOutputShutdown()
                    && System.nanoTime() < deadline) {
                serverCh.eventLoop().submit(() -> { }).get(10, TimeUnit.SECONDS);
            }
            serverDone.countDown();
            List<MuxStream> streams = crossing.get(10, TimeUnit.SECONDS);
            CloseReason connection = mux.client.closeFuture().get(10, TimeUnit.SECONDS);
            for (MuxStream s : streams) {
                assertThat(s.closeReason()).as("%s (connection %s)", s, connection).isNotNull();
                assertThat(s.closeReason().code()).as("%s: %s", s, s.closeReason()).isEqualTo(ErrorCode.REFUSED_GOING_AWAY);
            }
            assertThat(mux.server.closeFuture().get(10, TimeUnit.SECONDS).isNormal()).isTrue();
        }
    }
}
