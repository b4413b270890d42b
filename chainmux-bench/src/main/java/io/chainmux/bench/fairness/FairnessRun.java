package io.chainmux.bench.fairness;

import io.chainmux.bench.chainmux.ChainmuxContender;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxConfig;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.SessionListener;
import io.chainmux.mux.StreamListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.ScheduledFuture;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The fairness scenario, over one chainmux connection on loopback:
 * <ol>
 *   <li>100 saturating chains of equal weight: Jain's index over the bytes each delivered per 1 s
 *       window; and three saturating chains of weights 1, 2 and 4: their delivered ratios.</li>
 *   <li>One bulk chain plus 100 chains sending 1 KiB messages at 100 messages/s each: latency of
 *       the small messages (send to delivery, one JVM), with and without the bulk chain, and the
 *       bulk chain's throughput against its solo figure.</li>
 *   <li>1000 chains of which 999 have stopped reading (each sent its whole window): the reader's
 *       throughput against its solo figure.</li>
 * </ol>
 * Each part runs on a fresh connection. Progress goes to {@code progress}.
 */
public final class FairnessRun {
    static final int CHAINS = 100;
    static final int SATURATING_MESSAGE = 16 * 1024;
    static final int SMALL_MESSAGE = 1024;
    /** Small chains send this often each (1 per 10 ms = 100 messages/s per chain, 10,000/s in all). */
    static final int SMALL_INTERVAL_MILLIS = 10;
    static final int STALLED = 999;
    static final int[] WEIGHTS = {1, 2, 4};

    public record Config(Duration warmup, Duration measure, MuxConfig mux) {
        public Config {
            if (measure.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("the fairness run measures in 1 s windows: --seconds must be >= 1");
            }
        }

        /** The mux configuration of a chainmux contender, with room for 1000 pending accepts; null for others. */
        public static MuxConfig muxFor(String contender) {
            MuxConfig.Builder b = MuxConfig.builder().maxPendingAccepts(2048);
            if (contender.equals(ChainmuxContender.NAME)) {
                return b.build();
            }
            if (contender.equals(ChainmuxContender.ONE_MIB_WINDOW)) {
                return b.maxStreamWindow(1 << 20).build();
            }
            return null;
        }
    }

    /** Small-message latency in milliseconds. */
    public record Latency(double p50, double p99, double p999, long count) {
        static Latency of(Histogram h) {
            return new Latency(h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                    h.getValueAtPercentile(99.9) / 1e6, h.getTotalCount());
        }
    }

    /**
     * @param jainMin        lowest Jain index over the 1 s windows (100 equal chains)
     * @param jainMean       mean Jain index over the windows
     * @param weightRatios   delivered bytes of the weight 2 and weight 4 chains over the weight 1 chain
     * @param smallAlone     small-message latency without bulk traffic
     * @param smallWithBulk  small-message latency beside one bulk chain
     * @param bulkSolo       bulk chain alone, MB/s
     * @param bulkWithSmall  bulk chain beside the 100 small chains, MB/s
     * @param readerSolo     one reading chain alone, MB/s
     * @param readerStalled  the same beside 999 stalled chains, MB/s
     */
    public record Result(double jainMin, double jainMean, double[] weightRatios, Latency smallAlone,
                         Latency smallWithBulk, double bulkSolo, double bulkWithSmall, double readerSolo,
                         double readerStalled) {}

    private final Config config;
    private final PrintStream progress;
    private final String name;

    public FairnessRun(Config config, PrintStream progress, String name) {
        this.config = config;
        this.progress = progress;
        this.name = name;
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

    /** [min, mean] Jain index over 1 s windows of 100 saturating chains. */
    private double[] equalChains() throws Exception {
        progress.printf("%s fairness: %d saturating chains, equal weight...%n", name, CHAINS);
        Sink sink = new Sink(CHAINS);
        try (MuxPair pair = new MuxPair(config.mux(), sink)) {
            for (int i = 0; i < CHAINS; i++) {
                saturate(pair, "sat-" + i, 1);
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

    /** Delivered bytes of the weight 2 and 4 chains relative to the weight 1 chain. */
    private double[] weightedChains() throws Exception {
        progress.println(name + " fairness: saturating chains of weights 1, 2, 4...");
        Sink sink = new Sink(WEIGHTS.length);
        try (MuxPair pair = new MuxPair(config.mux(), sink)) {
            for (int i = 0; i < WEIGHTS.length; i++) {
                saturate(pair, "sat-" + i, WEIGHTS[i]);
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

    /** 100 chains of 1 KiB messages at a modest rate, optionally beside a saturating bulk chain. */
    private Mixed smallChains(boolean withBulk) throws Exception {
        progress.printf("%s fairness: %d chains of %d B messages every %d ms%s...%n", name, CHAINS, SMALL_MESSAGE,
                SMALL_INTERVAL_MILLIS, withBulk ? " beside a bulk chain" : "");
        Sink sink = new Sink(1);
        try (MuxPair pair = new MuxPair(config.mux(), sink)) {
            List<MuxStream> small = new ArrayList<>();
            for (int i = 0; i < CHAINS; i++) {
                small.add(pair.client.openStream("small-" + i, SMALL_MESSAGE, 1, Drop.INSTANCE));
            }
            if (withBulk) {
                saturate(pair, "sat-0", 1);
            }
            ByteBuf message = Unpooled.directBuffer(SMALL_MESSAGE).writeZero(SMALL_MESSAGE);
            int perTick = CHAINS / SMALL_INTERVAL_MILLIS;
            int[] next = {0};
            ScheduledFuture<?> ticker = pair.clientLoop().scheduleAtFixedRate(() -> {
                for (int k = 0; k < perTick; k++) {
                    MuxStream s = small.get(next[0]);
                    next[0] = (next[0] + 1) % CHAINS;
                    message.setLong(0, System.nanoTime());
                    s.trySendCopy(message); // refused only if its buffer is full: counted as not sent
                }
            }, 1, 1, TimeUnit.MILLISECONDS);
            try {
                sleep(config.warmup());
                sink.latency.reset();
                long[] before = sink.snapshot();
                long start = System.nanoTime();
                sleep(config.measure());
                long[] after = sink.snapshot();
                double secs = (System.nanoTime() - start) / 1e9;
                Histogram h = sink.latency.getIntervalHistogram();
                return new Mixed(Latency.of(h), (after[0] - before[0]) / secs / 1e6);
            } finally {
                ticker.cancel(false);
                pair.onClientLoop(message::release);
            }
        }
    }

    /** One saturating chain alone, MB/s. */
    private double soloStream() throws Exception {
        progress.println(name + " fairness: one saturating chain alone...");
        Sink sink = new Sink(1);
        try (MuxPair pair = new MuxPair(config.mux(), sink)) {
            saturate(pair, "sat-0", 1);
            return throughput(sink);
        }
    }

    /** One saturating chain beside 999 whose readers have stopped, MB/s. */
    private double besideStalled() throws Exception {
        progress.printf("%s fairness: one reading chain beside %d stalled ones...%n", name, STALLED);
        Sink sink = new Sink(1);
        try (MuxPair pair = new MuxPair(config.mux(), sink)) {
            ByteBuf chunk = Unpooled.directBuffer(4096).writeZero(4096);
            int perStream = 2 * config.mux().initialStreamWindow() / 4096; // twice its window: surely blocked
            pair.onClientLoop(() -> {
                for (int i = 0; i < STALLED; i++) {
                    MuxStream s = pair.client.openStream("stall-" + i, 1 << 20, 1, Drop.INSTANCE);
                    for (int m = 0; m < perStream; m++) {
                        s.trySendCopy(chunk);
                    }
                }
                chunk.release();
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (pair.client.stats().sendBlocked() < STALLED && System.nanoTime() < deadline) {
                sleep(Duration.ofMillis(50));
            }
            if (pair.client.stats().sendBlocked() < STALLED) {
                progress.printf("%s fairness: only %d of %d stalled chains filled their window in 30 s%n", name,
                        pair.client.stats().sendBlocked(), STALLED);
            }
            saturate(pair, "sat-0", 1);
            return throughput(sink);
        }
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

    /** Opens a chain on the client loop that sends {@value #SATURATING_MESSAGE}-byte messages whenever it may. */
    private static void saturate(MuxPair pair, String network, int weight) {
        pair.onClientLoop(() -> {
            Saturator sat = new Saturator();
            sat.pump(pair.client.openStream(network, SATURATING_MESSAGE, weight, sat));
        });
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

    /** Client side of a saturating chain: sends whenever the stream has room (event loop only). */
    private static final class Saturator implements StreamListener {
        private final ByteBuf message = Unpooled.directBuffer(SATURATING_MESSAGE).writeZero(SATURATING_MESSAGE);

        void pump(MuxStream s) {
            while (s.state().canSend() && s.trySendCopy(message)) {
                // until refused: onWritable follows
            }
        }

        @Override
        public void onWritable(MuxStream s) {
            pump(s);
        }

        @Override
        public void onMessage(MuxStream s, ByteBuf m) {
            m.release();
        }

        @Override
        public void onClosed(MuxStream s, CloseReason reason) {
            message.release();
        }
    }

    /** Client side of chains that only send. */
    private enum Drop implements StreamListener {
        INSTANCE;

        @Override
        public void onMessage(MuxStream s, ByteBuf m) {
            m.release();
        }

        @Override
        public void onClosed(MuxStream s, CloseReason reason) {}
    }

    /**
     * Server side: accepts every chain; "sat-i" chains count bytes per chain and consume, "small-"
     * chains record latency and consume, "stall-" chains never consume (their reader has stopped).
     */
    private static final class Sink implements SessionListener, StreamListener {
        private final AtomicLongArray bytes;
        final Recorder latency = new Recorder(3);

        Sink(int chains) {
            bytes = new AtomicLongArray(chains);
        }

        long[] snapshot() {
            long[] s = new long[bytes.length()];
            for (int i = 0; i < s.length; i++) {
                s[i] = bytes.get(i);
            }
            return s;
        }

        @Override
        public void onStreamOpened(MuxStream stream) {
            stream.accept(this, 1 << 20);
        }

        @Override
        public void onMessage(MuxStream s, ByteBuf m) {
            int length = m.readableBytes();
            String net = s.networkId();
            if (net.startsWith("stall-")) {
                m.release(); // never consumed: this chain's reader has stopped
                return;
            }
            if (net.startsWith("small-")) {
                latency.recordValue(Math.max(0, System.nanoTime() - m.getLong(m.readerIndex())));
            } else {
                bytes.addAndGet(Integer.parseInt(net.substring(4)), length);
            }
            m.release();
            s.consumed(length);
        }

        @Override
        public void onClosed(MuxStream s, CloseReason reason) {}
    }
}
