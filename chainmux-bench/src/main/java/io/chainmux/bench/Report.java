package io.chainmux.bench;

import io.chainmux.bench.traffic.Loops;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The outcome of a {@link CompareRun}: per contender and scenario the median, min and max over the
 * rounds, the ratio of the median to the baseline's ({@code raw-tcp}) and every raw sample.
 * Serialised as is by {@link ReportJson}.
 */
public record Report(String startedAt, String java, String os, int cores, String transport,
                     double warmupSeconds, double measureSeconds, int rounds, List<Result> results,
                     double pathDelayMillis) {

    /** A report of a run on plain loopback. */
    public Report(String startedAt, String java, String os, int cores, String transport,
                  double warmupSeconds, double measureSeconds, int rounds, List<Result> results) {
        this(startedAt, java, os, cores, transport, warmupSeconds, measureSeconds, rounds, results, 0);
    }

    /** ", through a DelayLine adding N ms each way" when the run used one, else empty. */
    public String pathNote() {
        return pathDelayMillis > 0
                ? String.format(Locale.ROOT, ", through a DelayLine adding %.0f ms each way", pathDelayMillis) : "";
    }

    /**
     * One contender on one scenario. {@code ratioVsRaw} is null without a baseline result; the CPU
     * figures (medians over rounds of the event-loop CPU nanoseconds per delivered message, sender and
     * receiver) are null when not measured.
     */
    public record Result(String contender, String scenario, String unit, int messageSize, int streams,
                         double median, double min, double max, Double ratioVsRaw, List<Measured> samples,
                         Double senderCpuNsPerMessage, Double receiverCpuNsPerMessage) {

        public Result(String contender, String scenario, String unit, int messageSize, int streams,
                      double median, double min, double max, Double ratioVsRaw, List<Measured> samples) {
            this(contender, scenario, unit, messageSize, streams, median, min, max, ratioVsRaw, samples, null, null);
        }

        static Result of(String contender, Scenario scenario, List<Sample> samples) {
            List<Measured> measured = new ArrayList<>();
            double[] rates = new double[samples.size()];
            for (int i = 0; i < samples.size(); i++) {
                Sample s = samples.get(i);
                rates[i] = scenario.metric().of(s);
                measured.add(new Measured(i + 1, s.messages(), s.payloadBytes(), s.seconds(), rates[i],
                        s.pipeTightened() < 0 ? null : s.pipeTightened()));
            }
            Arrays.sort(rates);
            return new Result(contender, scenario.name(), scenario.metric().unit, scenario.workload().messageSize(),
                    scenario.workload().streams(), Report.median(rates), rates[0], rates[rates.length - 1], null,
                    List.copyOf(measured), cpuMedian(samples, true), cpuMedian(samples, false));
        }

        private static Double cpuMedian(List<Sample> samples, boolean sender) {
            double[] perMessage = samples.stream()
                    .mapToDouble(s -> sender ? s.senderCpuPerMessage() : s.receiverCpuPerMessage()).sorted().toArray();
            return perMessage.length == 0 || perMessage[0] < 0 ? null : Report.median(perMessage);
        }

        Result withRatio(Double ratio) {
            return new Result(contender, scenario, unit, messageSize, streams, median, min, max, ratio, samples,
                    senderCpuNsPerMessage, receiverCpuNsPerMessage);
        }
    }

    /**
     * One measured interval of one round; {@code rate} is in the result's unit; {@code pipeTightened}
     * how often the sender's pipe tightened in it (null for a contender without one).
     */
    public record Measured(int round, long messages, long payloadBytes, double seconds, double rate,
                           Long pipeTightened) {}

    static Report of(CompareRun.Config config, Instant started, List<Result> raw) {
        List<Result> results = new ArrayList<>();
        for (Result r : raw) {
            Double ratio = raw.stream()
                    .filter(b -> b.contender().equals(Contenders.BASELINE) && b.scenario().equals(r.scenario()))
                    .findFirst()
                    .map(b -> r.median() / b.median())
                    .orElse(null);
            results.add(r.withRatio(ratio));
        }
        return new Report(started.toString(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), Loops.transportName(),
                config.warmup().toNanos() / 1e9, config.measure().toNanos() / 1e9, config.rounds(),
                List.copyOf(results), config.pathDelay().toNanos() / 1e6);
    }

    /** Sorted input; the mean of the middle two for an even count. */
    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** A rate with thousands separators and no decimals, e.g. {@code 5,612}. */
    public static String format(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }
}
