package io.chainmux.bench.fairness;

import io.chainmux.bench.chainmux.ChainmuxContender;
import io.chainmux.bench.grpc.GrpcContender;
import io.chainmux.bench.http2.Http2Contender;
import io.chainmux.bench.tcp.RawTcpContender;
import io.chainmux.mux.MuxConfig;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The fairness scenario, over one connection of one contender on loopback:
 * <ol>
 *   <li>{@code chains} saturating chains of equal weight: Jain's index over the bytes each delivered
 *       per 1 s window; and, where the contender has weights, three saturating chains of weights 1,
 *       2 and 4: their delivered ratios.</li>
 *   <li>One bulk chain plus {@code chains} chains sending 1 KiB messages, 100 messages/s each:
 *       latency of the small messages (send to delivery, one JVM), with and without the bulk chain,
 *       and the bulk chain's throughput against its solo figure.</li>
 *   <li>{@code stalled} chains whose readers have stopped (each sent {@value #STALL_BYTES} bytes, twice
 *       chainmux's 32 KiB window floor) and one saturating reader: the reader's throughput against its
 *       solo figure.</li>
 * </ol>
 * Each part runs on a fresh connection. Progress goes to {@code progress}.
 */
public final class FairnessRun {
    public static final int CHAINS = 100;
    public static final int STALLED = 999;
    static final int SATURATING_MESSAGE = 16 * 1024;
    static final int SMALL_MESSAGE = 1024;
    /** Small chains send this often each (1 per 10 ms = 100 messages/s per chain). */
    static final int SMALL_INTERVAL_MILLIS = 10;
    /** What each stalled chain sends. */
    static final int STALL_BYTES = 64 * 1024;
    static final int[] WEIGHTS = {1, 2, 4};
    /** The contenders with one connection to measure, in report order. */
    public static final List<String> CONTENDERS = List.of(RawTcpContender.NAME, Http2Contender.NAME,
            GrpcContender.NAME, ChainmuxContender.NAME, ChainmuxContender.ONE_MIB_WINDOW);
    /** The contenders run when none are named. */
    public static final List<String> DEFAULTS = CONTENDERS.subList(0, 4);

    /**
     * @param chains  equal saturating chains, and small-message chains (default {@value #CHAINS})
     * @param stalled chains beside the one reader (default {@value #STALLED})
     */
    public record Config(Duration warmup, Duration measure, int chains, int stalled) {
        public Config {
            if (measure.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("the fairness run measures in 1 s windows: --seconds must be >= 1");
            }
            if (chains < 2 || chains > 1000) {
                throw new IllegalArgumentException("chains must be in [2, 1000]: " + chains);
            }
            if (stalled < 1 || stalled > 9999) {
                throw new IllegalArgumentException("stalled chains must be in [1, 9999]: " + stalled);
            }
        }

        public Config(Duration warmup, Duration measure) {
            this(warmup, measure, CHAINS, STALLED);
        }
    }

    /** The mux configuration of a chainmux contender, with room for the stalled chains' pending accepts; null for others. */
    static MuxConfig muxFor(String contender) {
        MuxConfig.Builder b = MuxConfig.builder().maxPendingAccepts(2048);
        if (contender.equals(ChainmuxContender.NAME)) {
            return b.build();
        }
        if (contender.equals(ChainmuxContender.ONE_MIB_WINDOW)) {
            return b.maxStreamWindow(1 << 20).build();
        }
        return null;
    }

    /**
     * Opens rigs of {@code contender} for a run with {@code config}.
     *
     * @throws IllegalArgumentException if the contender does not run over one connection
     */
    static FairnessRig.Factory rigs(String contender, Config config) {
        MuxConfig mux = muxFor(contender);
        if (mux != null) {
            return sink -> new ChainmuxRig(mux, sink);
        }
        return switch (contender) {
            case RawTcpContender.NAME -> sink -> new TcpFifoRig(sink, config.stalled());
            case Http2Contender.NAME -> Http2Rig::new;
            case GrpcContender.NAME -> sink -> new GrpcRig(sink, config.stalled() + 1);
            default -> throw new IllegalArgumentException("the fairness scenario runs over one connection: "
                    + String.join(", ", CONTENDERS) + "; not " + contender);
        };
    }

    /** Small-message latency in milliseconds. */
    public record Latency(double p50, double p99, double p999, long count) {
        static Latency of(Histogram h) {
            return new Latency(h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                    h.getValueAtPercentile(99.9) / 1e6, h.getTotalCount());
        }
    }

    /**
     * @param jainMin        lowest Jain index over the 1 s windows (equal chains)
     * @param jainMean       mean Jain index over the windows
     * @param weightRatios   delivered bytes of the weight 2 and weight 4 chains over the weight 1 chain;
     *                       null where the contender has no weights
     * @param smallAlone     small-message latency without bulk traffic
     * @param smallWithBulk  small-message latency beside one bulk chain
     * @param bulkSolo       bulk chain alone, MB/s
     * @param bulkWithSmall  bulk chain beside the small chains, MB/s
     * @param readerSolo     one reading chain alone, MB/s
     * @param readerStalled  the same beside the stalled chains, MB/s
     */
    public record Result(double jainMin, double jainMean, double[] weightRatios, Latency smallAlone,
                         Latency smallWithBulk, double bulkSolo, double bulkWithSmall, double readerSolo,
                         double readerStalled) {}

    private final Config config;
    private final FairnessRig.Factory rigs;
    private final PrintStream progress;
    private final String name;

    public FairnessRun(Config config, String contender, PrintStream progress) {
        this.config = config;
        this.rigs = rigs(contender, config);
        this.progress = progress;
        this.name = contender;
    }

    public Result run() throws Exception {
        double[] jain = equalChains();
        double[] weights = weightedChains();
        Latency alone = smallChains(false).latency;
        Mixed mixed = smallChains(true);
        double bulkSolo = soloStream();
        double readerSolo = soloStream();
        double readerStalled = besideStalled();
        return new Result(jain[0], jain[1], weights, alone, mixed.latency, bulkSolo, mixed.bulkMBps, readerSolo,
                readerStalled);
    }

    // ------------------------------------------------------------------ the parts

    /** [min, mean] Jain index over 1 s windows of saturating chains. */
    private double[] equalChains() throws Exception {
        progress.printf("%s fairness: %d saturating chains, equal weight...%n", name, config.chains());
        Sink sink = new Sink(config.chains());
        try (FairnessRig rig = rigs.open(sink)) {
            for (int i = 0; i < config.chains(); i++) {
                rig.saturate(i, 1);
            }
            sleep(config.warmup());
            long seconds = Math.max(1, config.measure().toSeconds());
            double min = 1;
            double sum = 0;
            long[] before = sink.snapshot();
            for (int w = 0; w < seconds; w++) {
                sleep(Duration.ofSeconds(1));
                long[] now = sink.snapshot();
                double j = jain(before, now);
                min = Math.min(min, j);
                sum += j;
                before = now;
            }
            return new double[] {min, sum / seconds};
        }
    }

    /** Delivered bytes of the weight 2 and 4 chains relative to the weight 1 chain; null without weights. */
    private double[] weightedChains() throws Exception {
        Sink sink = new Sink(WEIGHTS.length);
        try (FairnessRig rig = rigs.open(sink)) {
            if (!rig.hasWeights()) {
                progress.println(name + " fairness: no weights between streams, weighted part n/a");
                return null;
            }
            progress.println(name + " fairness: saturating chains of weights 1, 2, 4...");
            for (int i = 0; i < WEIGHTS.length; i++) {
                rig.saturate(i, WEIGHTS[i]);
            }
            sleep(config.warmup());
            long[] before = sink.snapshot();
            sleep(config.measure());
            long[] after = sink.snapshot();
            double base = Math.max(1, after[0] - before[0]);
            return new double[] {(after[1] - before[1]) / base, (after[2] - before[2]) / base};
        }
    }

    private record Mixed(Latency latency, double bulkMBps) {}

    /** Small-message chains at a modest rate, optionally beside a saturating bulk chain. */
    private Mixed smallChains(boolean withBulk) throws Exception {
        int chains = config.chains();
        progress.printf("%s fairness: %d chains of %d B messages every %d ms%s...%n", name, chains, SMALL_MESSAGE,
                SMALL_INTERVAL_MILLIS, withBulk ? " beside a bulk chain" : "");
        Sink sink = new Sink(1);
        try (FairnessRig rig = rigs.open(sink)) {
            rig.openSmall(chains);
            if (withBulk) {
                rig.saturate(0, 1);
            }
            int perTick = Math.max(1, chains / SMALL_INTERVAL_MILLIS);
            int[] next = {0};
            ScheduledFuture<?> ticker = rig.ticker().scheduleAtFixedRate(() -> {
                for (int k = 0; k < perTick; k++) {
                    rig.sendSmall(next[0]);
                    next[0] = (next[0] + 1) % chains;
                }
                rig.flushSmall();
            }, 1, 1, TimeUnit.MILLISECONDS);
            try {
                sleep(config.warmup());
                sink.latencies(); // drops the warm-up
                long[] before = sink.snapshot();
                long start = System.nanoTime();
                sleep(config.measure());
                long[] after = sink.snapshot();
                double secs = (System.nanoTime() - start) / 1e9;
                return new Mixed(Latency.of(sink.latencies()), (after[0] - before[0]) / secs / 1e6);
            } finally {
                ticker.cancel(false);
            }
        }
    }

    /** One saturating chain alone, MB/s. */
    private double soloStream() throws Exception {
        progress.println(name + " fairness: one saturating chain alone...");
        Sink sink = new Sink(1);
        try (FairnessRig rig = rigs.open(sink)) {
            rig.saturate(0, 1);
            return throughput(sink);
        }
    }

    /** One saturating chain beside chains whose readers have stopped, MB/s. */
    private double besideStalled() throws Exception {
        progress.printf("%s fairness: one reading chain beside %d stalled ones...%n", name, config.stalled());
        Sink sink = new Sink(1);
        try (FairnessRig rig = rigs.open(sink)) {
            rig.stall(config.stalled(), STALL_BYTES);
            awaitSettled(rig, sink);
            rig.saturate(0, 1);
            return throughput(sink);
        }
    }

    /** Waits until the stalled chains stop making progress (at most 30 s): what they sent waits where it is. */
    private void awaitSettled(FairnessRig rig, Sink sink) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long last = -1;
        long unchangedSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = rig.stallProgress() + sink.held();
            if (now != last) {
                last = now;
                unchangedSince = System.nanoTime();
            } else if (System.nanoTime() - unchangedSince > TimeUnit.MILLISECONDS.toNanos(500)) {
                break;
            }
            sleep(Duration.ofMillis(50));
        }
        progress.printf("%s fairness: stalled chains settled, %d KiB reached their receivers%n", name,
                sink.held() / 1024);
    }

    // ------------------------------------------------------------------ helpers

    private double throughput(Sink sink) throws InterruptedException {
        sleep(config.warmup());
        long[] before = sink.snapshot();
        long start = System.nanoTime();
        sleep(config.measure());
        long[] after = sink.snapshot();
        return (after[0] - before[0]) / ((System.nanoTime() - start) / 1e9) / 1e6;
    }

    /** Jain's fairness index of the per-chain deltas between two snapshots: (sum x)^2 / (n sum x^2). */
    static double jain(long[] before, long[] after) {
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < after.length; i++) {
            double x = after[i] - before[i];
            sum += x;
            squares += x * x;
        }
        return squares == 0 ? 0 : sum * sum / (after.length * squares);
    }

    private static void sleep(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis()); // wall-clock pacing of a benchmark, not synchronization
    }
}
