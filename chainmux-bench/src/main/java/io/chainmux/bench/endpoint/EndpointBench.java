package io.chainmux.bench.endpoint;

import io.chainmux.endpoint.Endpoint;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.EndpointListener;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Endpoint-level figures between two nodes on 127.0.0.1: handshakes completed per second (plaintext
 * and TLS) and bulk throughput of one peer connection striped over K TCP connections. Each node has
 * its own event-loop group sized to the cores, as a node would.
 */
public final class EndpointBench {
    private static final int MESSAGE = 64 * 1024;

    private final Duration warmup;
    private final Duration measure;
    private final PrintWriter progress;

    public EndpointBench(Duration warmup, Duration measure, PrintWriter progress) {
        this.warmup = warmup;
        this.measure = measure;
        this.progress = progress;
    }

    private static EndpointConfig.Builder node(boolean tls) {
        return EndpointConfig.builder(NodeIdentity.generate()).listen("127.0.0.1:0").tls(tls)
                .shutdownGrace(Duration.ofMillis(500)).maxInboundPerIp(100_000).maxInboundConnections(100_000);
    }

    /**
     * Handshakes per second: {@code clients} dialing nodes, each in a loop: TCP connect, preamble,
     * HELLO/AUTH (+ TLS), then close and wait for the close, so every handshake is a fresh connection.
     */
    public double handshakesPerSecond(boolean tls, int clients) throws Exception {
        try (Endpoint server = Endpoint.start(node(tls).build(), new EndpointListener() {})) {
            PeerAddress target = PeerAddress.of(server.localAddress());
            LongAdder done = new LongAdder();
            AtomicLong failures = new AtomicLong();
            long measureFrom = System.nanoTime() + warmup.toNanos();
            long end = measureFrom + measure.toNanos();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                Thread t = new Thread(() -> dialLoop(tls, target, measureFrom, end, done, failures), "handshake-" + i);
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join(warmup.toMillis() + measure.toMillis() + 30_000);
            }
            if (failures.get() > 0) {
                progress.printf(Locale.ROOT, "  (%d handshakes failed)%n", failures.get());
            }
            return done.sum() / (measure.toNanos() / 1e9);
        }
    }

    private static void dialLoop(boolean tls, PeerAddress target, long measureFrom, long end, LongAdder done,
                                 AtomicLong failures) {
        try (Endpoint client = Endpoint.start(node(tls).listen((PeerAddress) null).ioThreads(1).build(),
                new EndpointListener() {})) {
            while (System.nanoTime() < end) {
                try {
                    PeerConnection pc = client.connect(target).get(10, TimeUnit.SECONDS);
                    long t = System.nanoTime();
                    if (t >= measureFrom && t < end) {
                        done.increment();
                    }
                    List<CompletableFuture<CloseReason>> closing = new ArrayList<>();
                    pc.stripedConnections().forEach(s -> closing.add(s.closeFuture()));
                    pc.close("done");
                    CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    failures.incrementAndGet();
                }
            }
        }
    }

    /** Payload MB/s of 64 KiB messages over one peer connection with {@code stripes} TCP connections. */
    public double bulkMegabytesPerSecond(int stripes) throws Exception {
        LongAdder received = new LongAdder();
        EndpointListener sink = new EndpointListener() {
            @Override
            public void onStreamOpened(PeerConnection peer, MuxStream stream) {
                stream.accept(new StreamListener() {
                    @Override
                    public void onMessage(MuxStream s, ByteBuf m) {
                        int n = m.readableBytes();
                        m.release();
                        s.consumed(n);
                        received.add(n);
                    }

                    @Override
                    public void onClosed(MuxStream s, CloseReason reason) {
                    }
                }, MESSAGE);
            }
        };
        try (Endpoint server = Endpoint.start(node(false).build(), sink);
             Endpoint client = Endpoint.start(node(false).listen((PeerAddress) null).stripes(stripes).build(),
                     new EndpointListener() {})) {
            PeerConnection pc = client.connect(PeerAddress.of(server.localAddress())).get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pc.stripeCount() < stripes && System.nanoTime() < deadline) {
                Thread.sleep(10); // setup only, outside the measurement
            }
            if (pc.stripeCount() < stripes) {
                throw new IllegalStateException("only " + pc.stripeCount() + " of " + stripes + " stripes came up");
            }
            List<Pump> pumps = new ArrayList<>();
            for (int i = 0; i < stripes; i++) {
                Pump p = new Pump();
                p.stream = pc.openStream("bulk-" + i, MESSAGE, 1, p);
                pumps.add(p);
            }
            pumps.forEach(Pump::start);
            Thread.sleep(warmup.toMillis());
            long before = received.sum();
            long t0 = System.nanoTime();
            Thread.sleep(measure.toMillis());
            long bytes = received.sum() - before;
            double seconds = (System.nanoTime() - t0) / 1e9;
            pumps.forEach(Pump::stop);
            return bytes / seconds / 1e6;
        }
    }

    /** Keeps one stream's send buffer full from its event loop, resuming on onWritable. */
    private static final class Pump implements StreamListener {
        MuxStream stream;
        private volatile boolean stopped;

        void start() {
            stream.connection().channel().eventLoop().execute(this::fill);
        }

        /** Stops sending and cancels the stream, so the endpoints then close without waiting for it. */
        void stop() {
            stopped = true;
            stream.reset(ErrorCode.CANCEL);
        }

        private void fill() {
            while (!stopped && stream.isWritable()) {
                ByteBuf m = PooledByteBufAllocator.DEFAULT.directBuffer(MESSAGE);
                m.writerIndex(MESSAGE);
                if (!stream.trySend(m)) {
                    m.release();
                    return;
                }
            }
        }

        @Override
        public void onWritable(MuxStream s) {
            fill();
        }

        @Override
        public void onMessage(MuxStream s, ByteBuf message) {
            message.release();
        }

        @Override
        public void onClosed(MuxStream s, CloseReason reason) {
        }
    }

    /** Runs everything and returns the figures by name. */
    public java.util.Map<String, Double> runAll(int rounds) throws Exception {
        java.util.Map<String, List<Double>> samples = new java.util.LinkedHashMap<>();
        for (int r = 1; r <= rounds; r++) {
            record("handshakes_per_s_plaintext", r, rounds, handshakesPerSecond(false, 8), "handshakes/s", samples);
            record("handshakes_per_s_tls", r, rounds, handshakesPerSecond(true, 8), "handshakes/s", samples);
            for (int k : new int[]{1, 2, 4}) {
                record("bulk_mb_per_s_stripes_" + k, r, rounds, bulkMegabytesPerSecond(k), "MB/s", samples);
            }
        }
        java.util.Map<String, Double> medians = new java.util.LinkedHashMap<>();
        samples.forEach((k, v) -> {
            List<Double> sorted = new ArrayList<>(v);
            sorted.sort(Double::compare);
            medians.put(k, sorted.get(sorted.size() / 2));
        });
        return medians;
    }

    private void record(String name, int round, int rounds, double value, String unit,
                        java.util.Map<String, List<Double>> samples) {
        progress.printf(Locale.ROOT, "round %d/%d %s: %,.0f %s%n", round, rounds, name, value, unit);
        progress.flush();
        samples.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
}
