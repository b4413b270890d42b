package io.chainmux.bench.latency;

import io.chainmux.bench.BenchmarkException;
import io.chainmux.bench.Running;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Ping-pong rounds: every transport in turn within each round (A B A B ...), each warming up and then
 * recording every round trip of its measured interval; p50 and p99 per round, medians over rounds.
 * Prints a progress line per measurement.
 */
public final class RoundTripRun {
    private static final long POLL_MILLIS = 50;

    /** One transport's figures: medians over rounds of the per-round p50 and p99, in microseconds. */
    public record Result(String transport, double p50Micros, double p99Micros, List<Round> rounds) {}

    /** One measured interval: its round trips and their percentiles, in microseconds. */
    public record Round(int round, long roundTrips, double p50Micros, double p99Micros, double maxMicros) {}

    private final List<PingPong> transports;
    private final int messageSize;
    private final Duration warmup;
    private final Duration measure;
    private final int rounds;
    private final PrintWriter progress;

    public RoundTripRun(List<PingPong> transports, int messageSize, Duration warmup, Duration measure, int rounds,
                        PrintWriter progress) {
        this.transports = List.copyOf(transports);
        this.messageSize = messageSize;
        this.warmup = warmup;
        this.measure = measure;
        this.rounds = rounds;
        this.progress = progress;
    }

    /** Results in the order of the transports given. */
    public Map<String, Result> run() throws BenchmarkException {
        Map<String, List<Round>> byTransport = new LinkedHashMap<>();
        transports.forEach(t -> byTransport.put(t.name(), new ArrayList<>()));
        for (int round = 1; round <= rounds; round++) {
            for (PingPong t : transports) {
                String label = String.format(Locale.ROOT, "round %d/%d %s rtt %d B", round, rounds, t.name(), messageSize);
                progress.print(label + ": ");
                progress.flush();
                Round r;
                try {
                    r = measureOnce(t, round);
                } catch (BenchmarkException e) {
                    progress.println("FAILED");
                    progress.flush();
                    throw new BenchmarkException(label + " failed", e);
                }
                progress.printf(Locale.ROOT, "p50 %.1f us, p99 %.1f us (%,d round trips)%n", r.p50Micros(),
                        r.p99Micros(), r.roundTrips());
                progress.flush();
                byTransport.get(t.name()).add(r);
            }
        }
        Map<String, Result> results = new LinkedHashMap<>();
        byTransport.forEach((name, rs) -> results.put(name, new Result(name,
                median(rs.stream().mapToDouble(Round::p50Micros).toArray()),
                median(rs.stream().mapToDouble(Round::p99Micros).toArray()), List.copyOf(rs))));
        return results;
    }

    private Round measureOnce(PingPong t, int round) throws BenchmarkException {
        Recorder recorder = new Recorder(3);
        PingPong.Failures failures = new PingPong.Failures();
        Running running;
        try {
            running = t.start(messageSize, recorder, failures);
        } catch (Exception e) {
            throw new BenchmarkException(t.name() + " failed to start", e);
        }
        try {
            watch(failures, warmup);
            recorder.getIntervalHistogram(); // drops the warm-up
            watch(failures, measure);
            Histogram h = recorder.getIntervalHistogram();
            if (h.getTotalCount() == 0) {
                throw new BenchmarkException(t.name() + " completed no round trip in " + measure.toMillis() + " ms", null);
            }
            return new Round(round, h.getTotalCount(), h.getValueAtPercentile(50) / 1e3,
                    h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3);
        } finally {
            running.close();
        }
    }

    private static void watch(PingPong.Failures failures, Duration d) throws BenchmarkException {
        long deadline = System.nanoTime() + d.toNanos();
        while (true) {
            if (failures.first() != null) {
                throw new BenchmarkException("ping-pong failed", failures.first());
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                Thread.sleep(Math.max(1, Math.min(left / 1_000_000L, POLL_MILLIS)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchmarkException("interrupted", e);
            }
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
