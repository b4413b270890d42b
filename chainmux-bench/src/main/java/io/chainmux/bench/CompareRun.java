package io.chainmux.bench;

import io.chainmux.bench.traffic.DelayLine;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs every scenario for every contender, {@code rounds} times, interleaving contenders within each
 * round (A B A B ...) so that drift of the machine (other load, heat) spreads over all of them.
 * Prints a progress line per measurement.
 */
public final class CompareRun {
    /** Validated settings of a comparison. */
    public record Config(Duration warmup, Duration measure, int rounds, List<String> contenders,
                         List<Scenario> scenarios, Duration pathDelay) {
        public static final int MAX_ROUNDS = 1000;

        /** A comparison on plain loopback (no delayed path). */
        public Config(Duration warmup, Duration measure, int rounds, List<String> contenders, List<Scenario> scenarios) {
            this(warmup, measure, rounds, contenders, scenarios, Duration.ZERO);
        }

        public Config {
            DelayLine.checkDelay(pathDelay);
            new RunParams(warmup, measure, 64, 1); // validates the durations in one place
            if (rounds < 1 || rounds > MAX_ROUNDS) {
                throw new IllegalArgumentException("rounds must be in [1, " + MAX_ROUNDS + "]: " + rounds);
            }
            if (contenders == null || contenders.isEmpty()) {
                throw new IllegalArgumentException("at least one contender is required");
            }
            if (scenarios == null || scenarios.isEmpty()) {
                throw new IllegalArgumentException("at least one scenario is required");
            }
            for (String c : contenders) {
                Contenders.create(c).over(pathDelay); // unknown names, or no delayed path, fail here
            }
            if (contenders.stream().distinct().count() != contenders.size()) {
                throw new IllegalArgumentException("a contender is listed twice: " + contenders);
            }
            contenders = List.copyOf(contenders);
            scenarios = List.copyOf(scenarios);
        }
    }

    private final Config config;
    private final PrintWriter progress;

    public CompareRun(Config config, PrintWriter progress) {
        this.config = config;
        this.progress = progress;
    }

    public Report run() throws Exception {
        Instant started = Instant.now();
        List<Contender> contenders = new ArrayList<>();
        for (String name : config.contenders()) {
            Contender c = Contenders.create(name).over(config.pathDelay());
            String missing = c.unavailable();
            if (missing != null) {
                progress.println("NOTE: " + missing);
                progress.flush();
            } else {
                contenders.add(c);
            }
        }
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        for (Scenario s : config.scenarios()) {
            for (Contender c : contenders) {
                samples.put(key(c.name(), s), new ArrayList<>());
            }
        }
        for (int round = 1; round <= config.rounds(); round++) {
            for (Scenario scenario : config.scenarios()) {
                for (Contender contender : contenders) {
                    if (!contender.supports(scenario)) {
                        continue;
                    }
                    String label = String.format(Locale.ROOT, "round %d/%d %s %s", round, config.rounds(),
                            contender.name(), scenario.name());
                    progress.print(label + ": ");
                    progress.flush();
                    Sample sample;
                    try {
                        sample = scenario.run(contender, config.warmup(), config.measure());
                    } catch (Exception e) {
                        progress.println("FAILED");
                        progress.flush();
                        throw new BenchmarkException(label + " failed", e);
                    }
                    progress.println(Report.format(scenario.metric().of(sample)) + " " + scenario.metric().unit
                            + tightenings(sample));
                    progress.flush();
                    samples.get(key(contender.name(), scenario)).add(sample);
                }
            }
        }
        List<Report.Result> results = new ArrayList<>();
        for (Scenario s : config.scenarios()) {
            for (Contender c : contenders) {
                if (c.supports(s)) {
                    results.add(Report.Result.of(c.name(), s, samples.get(key(c.name(), s))));
                }
            }
        }
        return Report.of(config, started, results);
    }

    /**
     * A progress line's note when the sender's pipe tightened in the measured interval: a slow round
     * then says whether the contended budget held the sender back (nothing for a contender without a
     * pipe, or when it stayed open).
     */
    static String tightenings(Sample sample) {
        long n = sample.pipeTightened();
        return n <= 0 ? "" : " (pipe tightened " + n + (n == 1 ? " time)" : " times)");
    }

    private static String key(String contender, Scenario s) {
        return contender + "\u0000" + s.name();
    }
}
