package io.chainmux.bench.endpoint;

import io.chainmux.bench.chart.BarChart;
import io.chainmux.bench.traffic.DelayLine;
import io.chainmux.endpoint.Endpoint;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.EndpointListener;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.endpoint.StripePolicy;
import io.chainmux.endpoint.TrafficClass;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Stripe placement under a bulk transfer, between two endpoints on 127.0.0.1 with K = 2: one bulk
 * stream (64 KiB messages, as fast as it may) opens first, then 100 latency-sensitive chains that
 * each send a 1 KiB message every 10 ms; the latency of those (send to delivery, one JVM) and the bulk
 * throughput, by stream count against by measured load. Both policies run in each round, alternating.
 *
 * <p>On bare loopback the two cores are the bottleneck: the bulk stream's sender and receiver keep both
 * busy, and every chain waits for a core whichever stripe it is on. With a path
 * ({@link DelayLine}: a delay each way, and each TCP connection its own link of a given rate), the link
 * is the bottleneck, as between machines, and bytes queue in the connection that carries the bulk.
 */
public final class PlacementBench {
    static final int STRIPES = 2;
    static final int CHAINS = 100;
    static final int SMALL = 1024;
    static final int BULK = 64 * 1024;
    static final int INTERVAL_MILLIS = 10;
    /** Time the bulk stream runs before the chains open, so its stripe's load shows. */
    static final Duration BULK_LEAD = Duration.ofMillis(500);

    /** The policies compared, by name. */
    public static final Map<String, StripePolicy> POLICIES = policies();

    private static Map<String, StripePolicy> policies() {
        Map<String, StripePolicy> m = new LinkedHashMap<>();
        m.put("by stream count", StripePolicy.BY_COUNT);
        m.put("by measured load", StripePolicy.MEASURED_LOAD);
        return m;
    }

    /**
     * @param besideBulk chains placed on the bulk stream's stripe
     * @param p50        small-message latency, ms
     */
    public record Result(String policy, int besideBulk, double p50, double p99, double p999, long messages,
                         double bulkMBps, double pathDelayMs, double pathMBps) {}

    /**
     * The path between the endpoints: bare loopback (both zero), or a {@link DelayLine} with this delay
     * each way and this rate per connection and direction (0: no limit).
     */
    public record Path(Duration oneWay, long bytesPerSecond) {
        public static final Path LOOPBACK = new Path(Duration.ZERO, 0);

        public Path {
            DelayLine.checkDelay(oneWay);
            DelayLine.checkRate(bytesPerSecond);
        }

        boolean relayed() {
            return !oneWay.isZero() || bytesPerSecond > 0;
        }

        /** ", through ..." for titles, or empty on bare loopback. */
        public String describe() {
            if (!relayed()) {
                return "";
            }
            return String.format(Locale.ROOT, ", through a path of %d ms each way%s", oneWay.toMillis(),
                    bytesPerSecond > 0 ? String.format(Locale.ROOT, " and %.0f MB/s per connection", bytesPerSecond / 1e6)
                            : "");
        }
    }

    private final Duration warmup;
    private final Duration measure;
    private final Path path;
    private final PrintWriter progress;

    public PlacementBench(Duration warmup, Duration measure, Path path, PrintWriter progress) {
        this.warmup = warmup;
        this.measure = measure;
        this.path = path;
        this.progress = progress;
    }

    /** Each policy once per round, alternating; the medians by p99 over the rounds. */
    public List<Result> run(int rounds) throws Exception {
        Map<String, List<Result>> all = new LinkedHashMap<>();
        for (int r = 1; r <= rounds; r++) {
            for (Map.Entry<String, StripePolicy> e : POLICIES.entrySet()) {
                Result res = run(e.getKey(), e.getValue());
                progress.printf(Locale.ROOT, "round %d/%d placement %s: %d of %d chains beside bulk, 1 KiB p50/p99/p99.9 "
                                + "%.2f/%.2f/%.2f ms, bulk %.0f MB/s%n", r, rounds, e.getKey(), res.besideBulk(), CHAINS,
                        res.p50(), res.p99(), res.p999(), res.bulkMBps());
                progress.flush();
                all.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(res);
            }
        }
        List<Result> medians = new ArrayList<>();
        all.values().forEach(list -> {
            List<Result> sorted = new ArrayList<>(list);
            sorted.sort((a, b) -> Double.compare(a.p99(), b.p99()));
            medians.add(sorted.get(sorted.size() / 2));
        });
        return medians;
    }

    private static EndpointConfig.Builder node(StripePolicy policy) {
        return EndpointConfig.builder(NodeIdentity.generate()).stripes(STRIPES).stripePolicy(policy)
                .shutdownGrace(Duration.ofMillis(500));
    }

    Result run(String name, StripePolicy policy) throws Exception {
        Recorder latency = new Recorder(3);
        LongAdder bulkBytes = new LongAdder();
        EndpointListener sink = new EndpointListener() {
            @Override
            public void onStreamOpened(PeerConnection peer, MuxStream stream) {
                boolean bulk = stream.networkId().equals("bulk");
                stream.accept(new StreamListener() {
                    @Override
                    public void onMessage(MuxStream s, ByteBuf m) {
                        int n = m.readableBytes();
                        if (bulk) {
                            bulkBytes.add(n);
                        } else {
                            latency.recordValue(Math.max(0, System.nanoTime() - m.getLong(m.readerIndex())));
                        }
                        m.release();
                        s.consumed(n);
                    }

                    @Override
                    public void onClosed(MuxStream s, CloseReason reason) {}
                }, bulk ? BULK : SMALL);
            }
        };
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "placement-ticker");
            t.setDaemon(true);
            return t;
        });
        try (Endpoint server = Endpoint.start(node(policy).listen("127.0.0.1:0").build(), sink);
             DelayLine line = path.relayed() ? DelayLine.start(server.localAddress(), path.oneWay(), path.bytesPerSecond())
                     : null;
             Endpoint client = Endpoint.start(node(policy).listen((PeerAddress) null).build(), new EndpointListener() {})) {
            PeerConnection pc = client.connect(PeerAddress.of((InetSocketAddress) (line != null ? line.address() : server.localAddress())))
                    .get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pc.stripeCount() < STRIPES && System.nanoTime() < deadline) {
                Thread.sleep(10); // setup only, outside the measurement
            }
            if (pc.stripeCount() < STRIPES) {
                throw new IllegalStateException("only " + pc.stripeCount() + " of " + STRIPES + " stripes came up");
            }
            BulkPump pump = new BulkPump();
            pump.stream = pc.openStream("bulk", BULK, 1, TrafficClass.ORDINARY, pump);
            pump.start();
            Thread.sleep(BULK_LEAD.toMillis());
            List<MuxStream> chains = new ArrayList<>();
            int besideBulk = 0;
            for (int i = 0; i < CHAINS; i++) {
                MuxStream s = pc.openStream("chain-" + i + "/gossip/1", SMALL, 1, TrafficClass.LATENCY_SENSITIVE,
                        Drop.INSTANCE);
                chains.add(s);
                besideBulk += s.connection() == pump.stream.connection() ? 1 : 0;
            }
            int perTick = CHAINS / INTERVAL_MILLIS;
            int[] next = {0};
            ScheduledFuture<?> ticks = ticker.scheduleAtFixedRate(() -> {
                for (int k = 0; k < perTick; k++) {
                    MuxStream s = chains.get(next[0]);
                    next[0] = (next[0] + 1) % CHAINS;
                    ByteBuf m = PooledByteBufAllocator.DEFAULT.directBuffer(SMALL);
                    m.writeLong(System.nanoTime()).writeZero(SMALL - 8);
                    if (!s.trySend(m)) {
                        m.release(); // its buffer is full: not sent, not counted
                    }
                }
            }, 1, 1, TimeUnit.MILLISECONDS);
            Thread.sleep(warmup.toMillis());
            latency.reset();
            long before = bulkBytes.sum();
            long t0 = System.nanoTime();
            Thread.sleep(measure.toMillis());
            Histogram h = latency.getIntervalHistogram();
            double bulk = (bulkBytes.sum() - before) / ((System.nanoTime() - t0) / 1e9) / 1e6;
            ticks.cancel(false);
            pump.stop();
            return new Result(name, besideBulk, h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                    h.getValueAtPercentile(99.9) / 1e6, h.getTotalCount(), bulk, path.oneWay().toNanos() / 1e6,
                    path.bytesPerSecond() / 1e6);
        } finally {
            ticker.shutdownNow();
        }
    }

    /** The figures as a chart: small-message latency per policy, and the bulk throughput. */
    public static BarChart chart(List<Result> results, int rounds, double warmupSeconds, double seconds, Path path) {
        List<BarChart.Group> latency = new ArrayList<>();
        String[] names = {"p50", "p99", "p99.9"};
        for (int i = 0; i < names.length; i++) {
            int p = i;
            List<BarChart.Bar> bars = new ArrayList<>();
            for (Result r : results) {
                double v = p == 0 ? r.p50() : p == 1 ? r.p99() : r.p999();
                bars.add(new BarChart.Bar(r.policy(), Math.max(0.001, v),
                        String.format(Locale.ROOT, "%.2f ms (%d of %d chains beside bulk)", v, r.besideBulk(), CHAINS)));
            }
            latency.add(new BarChart.Group("1 KiB message latency, " + names[p], bars));
        }
        List<BarChart.Bar> bulk = new ArrayList<>();
        results.forEach(r -> bulk.add(new BarChart.Bar(r.policy(), r.bulkMBps(),
                String.format(Locale.ROOT, "%.0f MB/s", r.bulkMBps()))));
        return new BarChart("Stripe placement beside a bulk transfer (K = 2, loopback" + path.describe() + ")",
                String.format(Locale.ROOT, "1 bulk stream, then %d latency-sensitive chains of 1 KiB every %d ms; "
                        + "median round by p99 of %d; %.1f s warm-up + %.1f s measured", CHAINS, INTERVAL_MILLIS,
                        rounds, warmupSeconds, seconds),
                List.of(new BarChart.Panel("ms (log)", true, latency),
                        new BarChart.Panel("bulk stream, MB/s", false, List.of(new BarChart.Group("bulk", bulk)))));
    }

    /** Keeps the bulk stream's send buffer full from its event loop. */
    private static final class BulkPump implements StreamListener {
        volatile MuxStream stream;
        private volatile boolean stopped;

        void start() {
            stream.connection().channel().eventLoop().execute(this::fill);
        }

        void stop() {
            stopped = true;
            stream.reset(ErrorCode.CANCEL);
        }

        private void fill() {
            while (!stopped && stream.isWritable()) {
                ByteBuf m = PooledByteBufAllocator.DEFAULT.directBuffer(BULK);
                m.writerIndex(BULK);
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
        public void onClosed(MuxStream s, CloseReason reason) {}
    }

    private enum Drop implements StreamListener {
        INSTANCE;

        @Override
        public void onMessage(MuxStream s, ByteBuf m) {
            m.release();
        }

        @Override
        public void onClosed(MuxStream s, CloseReason reason) {}
    }
}
