package io.chainmux.cli;

import io.chainmux.bench.CompareRun;
import io.chainmux.bench.Contenders;
import io.chainmux.bench.Report;
import io.chainmux.bench.ReportJson;
import io.chainmux.bench.ReportTable;
import io.chainmux.bench.Scenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code chainmux bench compare}: every contender on the standard scenarios, interleaved, in one JVM. */
@Command(name = "compare", sortOptions = false,
        description = {
                "Runs contenders side by side on 127.0.0.1 on three scenarios: bulk (64 KiB messages, one "
                        + "stream, MB/s), 64 B messages on 1 stream and on 1000 streams (messages/s).",
                "Each measurement warms up, then counts whole, in-order messages at the receiver. Contenders "
                        + "alternate within each round; the table shows medians over the rounds and the ratio "
                        + "to raw-tcp. Progress goes to stderr, the table to stdout."})
public final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--warmup-seconds", paramLabel = "SECONDS", defaultValue = "3",
            description = "Warm-up before each measurement, not counted (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--seconds", paramLabel = "SECONDS", defaultValue = "5",
            description = "Measured time of each measurement (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
            description = "Rounds; each runs every contender on every scenario (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--contenders", paramLabel = "NAME", split = ",",
            description = "Comma-separated contenders to run (default: all): ${COMPLETION-CANDIDATES}.",
            completionCandidates = ContenderNames.class)
    List<String> contenders;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Also write every raw figure to FILE as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        CompareRun.Config config;
        try {
            config = new CompareRun.Config(duration("--warmup-seconds", warmupSeconds, true),
                    duration("--seconds", seconds, false), rounds,
                    contenders == null ? Contenders.names() : contenders, Scenario.standard());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter progress = spec.commandLine().getErr();
        int measurements = config.rounds() * config.scenarios().size() * config.contenders().size();
        double perMeasurement = (config.warmup().toNanos() + config.measure().toNanos()) / 1e9 + 0.5;
        progress.printf(Locale.ROOT, "comparing %s: %d measurements of %.1f s + %.1f s, about %.0f s%n",
                String.join(", ", config.contenders()), measurements, config.warmup().toNanos() / 1e9,
                config.measure().toNanos() / 1e9, Math.ceil(measurements * perMeasurement));
        progress.flush();
        Report report = new CompareRun(config, progress).run();
        out.println();
        ReportTable.print(report, out);
        if (json != null) {
            ReportJson.write(report, json);
            progress.println("wrote " + json.toAbsolutePath());
            progress.flush();
        }
        return 0;
    }

    private static Duration duration(String option, double value, boolean zeroAllowed) {
        if (!Double.isFinite(value) || value < 0 || (!zeroAllowed && value == 0) || value > 86_400) {
            throw new IllegalArgumentException(option + " must be " + (zeroAllowed ? ">= 0" : "> 0")
                    + " and at most 86400 seconds, got " + value);
        }
        return Duration.ofNanos(Math.round(value * 1e9));
    }

    /** Lists the registered contenders in the help text. */
    static final class ContenderNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Contenders.names().iterator();
        }
    }
}
