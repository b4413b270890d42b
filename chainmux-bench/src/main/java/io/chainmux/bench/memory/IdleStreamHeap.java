package io.chainmux.bench.memory;

import io.chainmux.bench.traffic.Loops;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxConfig;
import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.ConnectionListener;
import io.chainmux.mux.StreamListener;
import io.chainmux.mux.StreamState;
import io.chainmux.wire.ErrorCode;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Heap per idle stream. Opens {@code N} streams over loopback mux connections in this JVM (both ends, at
 * most {@value #STREAMS_PER_CONNECTION} per connection so their 32 KiB window floors fit the default 64 MiB
 * receive budget), lets each end send one 64 B message on every stream from a thread other than the
 * event loop (as the broker's workers do) and consume the other's, then compares the heap after a
 * full GC with the heap before the streams were opened. Prints bytes per stream (one end) and per
 * stream (both ends). With {@code -Didle.histogram=true} it also prints the heap's class
 * histogram while the streams are open (through {@code jcmd}).
 *
 * <pre>java -cp chainmux-cli/target/chainmux.jar io.chainmux.bench.memory.IdleStreamHeap 8000</pre>
 */
public final class IdleStreamHeap {
    static final int STREAMS_PER_CONNECTION = 2000;
    private static final int MESSAGE = 64;

    private IdleStreamHeap() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 8000;
        if (n < 1 || n > 100_000) {
            throw new IllegalArgumentException("streams must be in [1, 100000]: " + n);
        }
        Result r = measure(n);
        System.out.printf(Locale.ROOT, "%d idle streams, %d connection(s): %,d bytes of heap per stream (one end), "
                + "%,d per stream (both ends)%n", n, r.connections, Math.round(r.bytesPerStream()),
                Math.round(2 * r.bytesPerStream()));
    }

    /** Heap growth after a full GC with {@code n} idle streams open (both ends in this JVM). */
    record Result(int streams, int connections, long heapBefore, long heapAfter) {
        double bytesPerStream() {
            return (heapAfter - heapBefore) / (2.0 * streams);
        }
    }

    static Result measure(int n) throws Exception {
        MuxConfig config = MuxConfig.builder().maxInboundStreams(STREAMS_PER_CONNECTION)
                .maxStreamsPerNetwork(STREAMS_PER_CONNECTION).build();
        EventLoopGroup serverGroup = Loops.newGroup("idle-server");
        EventLoopGroup clientGroup = Loops.newGroup("idle-client");
        List<Channel> channels = new ArrayList<>();
        List<MuxStream> clientStreams = new ArrayList<>();
        List<MuxStream> serverStreams = java.util.Collections.synchronizedList(new ArrayList<>());
        int connections = (n + STREAMS_PER_CONNECTION - 1) / STREAMS_PER_CONNECTION;
        CountDownLatch accepted = new CountDownLatch(n);
        CountDownLatch delivered = new CountDownLatch(2 * n);
        StreamListener consume = new StreamListener() {
            @Override
            public void onMessage(MuxStream stream, ByteBuf message) {
                int length = message.readableBytes();
                message.release();
                stream.consumed(length);
                delivered.countDown();
            }

            @Override
            public void onClosed(MuxStream stream, CloseReason reason) {}
        };
        ConnectionListener server = new ConnectionListener() {
            @Override
            public void onStreamOpened(MuxStream stream) {
                stream.accept(consume, MESSAGE);
                serverStreams.add(stream);
                accepted.countDown();
            }
        };
        try {
            Channel listener = new ServerBootstrap().group(serverGroup).channel(Loops.serverChannel())
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            channels.add(ch);
                            ch.pipeline().addLast(new MuxConnection(config, false, server).handler());
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            channels.add(listener);
            List<MuxConnection> clients = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
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
                channels.add(new Bootstrap().group(clientGroup).channel(Loops.socketChannel())
                        .handler(connection.handler()).connect(listener.localAddress()).sync().channel());
                ready.get(10, TimeUnit.SECONDS);
                clients.add(connection);
            }
            long before = heapAfterGc();
            for (int i = 0; i < n; i++) {
                clientStreams.add(clients.get(i / STREAMS_PER_CONNECTION).openStream("idle-" + i, MESSAGE, 1, consume));
            }
            await(accepted, "accepts");
            ByteBuf message = Unpooled.directBuffer(MESSAGE).writeZero(MESSAGE);
            for (int i = 0; i < n; i++) {
                sendFromThisThread(clientStreams.get(i), message);
                sendFromThisThread(serverStreams.get(i), message);
            }
            message.release();
            await(delivered, "messages");
            long after = heapAfterGc();
            if (Boolean.getBoolean("idle.histogram")) {
                printHistogram();
            }
            for (MuxStream s : clientStreams) { // keeps the streams reachable through the measurement
                if (s.state() == StreamState.CLOSED) {
                    throw new IllegalStateException("stream " + s + " ended during the measurement");
                }
            }
            return new Result(n, connections, before, after);
        } finally {
            for (Channel c : channels) {
                c.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
            Loops.shutdown(clientGroup, serverGroup);
        }
    }

    /** The classes that hold the most heap now (jcmd's class histogram, the first 30 lines). */
    private static void printHistogram() throws Exception {
        Process p = new ProcessBuilder("jcmd", Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        out.lines().limit(33).forEach(System.out::println);
    }

    private static void sendFromThisThread(MuxStream s, ByteBuf message) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!s.trySendCopy(message)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("stream " + s + " refused one 64 B message for 10 s");
            }
            Thread.onSpinWait();
        }
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        if (!latch.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(latch.getCount() + " " + what + " still missing after 60 s");
        }
    }

    private static long heapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) { // the lowest of a few full GCs: a concurrent allocation can inflate one
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
