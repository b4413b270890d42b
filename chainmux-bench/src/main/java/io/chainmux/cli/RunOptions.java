package io.chainmux.cli;

import io.chainmux.bench.CompareRun;
import io.chainmux.bench.Report;
import io.chainmux.bench.ReportTable;
import io.chainmux.bench.Scenario;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Options every benchmark command shares, and the run itself: progress to stderr, table to stdout. */
final class RunOptions {
    @Option(names = "--warmup-seconds", paramLabel = "SECONDS", defaultValue = "3",
            description = "Warm-up before each measurement, not counted (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--seconds", paramLabel = "SECONDS", defaultValue = "5",
            description = "Measured time of each measurement (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
            description = "Rounds; each runs every contender on every scenario (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures to FILE as JSON.")
    Path json;

    @Option(names = "--chart", paramLabel = "FILE", description = ChartOption.DESCRIPTION)
    Path chart;

    /** Where to draw the chart, or null; call before {@link #execute} so a bad option fails before the run. */
    Path chartFile(CommandSpec spec) {
        return ChartOption.resolve(spec.commandLine(), chart, json);
    }

    /** Validates, runs the comparison with progress lines, prints the table, returns the report. */
    Report execute(CommandSpec spec, List<String> contenders, List<Scenario> scenarios) throws Exception {
        return execute(spec, contenders, scenarios, 0);
    }

    /** Like {@link #execute(CommandSpec, List, List)}, dialing through a relay that adds {@code pathDelayMillis} each way. */
    Report execute(CommandSpec spec, List<String> contenders, List<Scenario> scenarios, double pathDelayMillis)
            throws Exception {
        CompareRun.Config config;
        try {
            config = new CompareRun.Config(duration("--warmup-seconds", warmupSeconds, true),
                    duration("--seconds", seconds, false), rounds, contenders, scenarios,
                    pathDelay(pathDelayMillis));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        LeakDetection.offUnlessSet();
        PrintWriter progress = spec.commandLine().getErr();
        int measurements = config.rounds() * config.scenarios().size() * config.contenders().size();
        double perMeasurement = (config.warmup().toNanos() + config.measure().toNanos()) / 1e9 + 0.5;
        progress.printf(Locale.ROOT, "comparing %s%s: %d measurements of %.1f s + %.1f s, about %.0f s%n",
                String.join(", ", config.contenders()), config.pathDelay().isZero() ? ""
                        : " over a path of " + config.pathDelay().toMillis() + " ms each way",
                measurements, config.warmup().toNanos() / 1e9,
                config.measure().toNanos() / 1e9, Math.ceil(measurements * perMeasurement));
        progress.flush();
        Report report = new CompareRun(config, progress).run();
        PrintWriter out = spec.commandLine().getOut();
        out.println();
        ReportTable.print(report, out);
        out.flush();
        return report;
    }

    private static Duration pathDelay(double pathDelayMillis) {
        if (!Double.isFinite(pathDelayMillis) || pathDelayMillis < 0) {
            throw new IllegalArgumentException("--path-delay-ms must be >= 0, got " + pathDelayMillis);
        }
        return Duration.ofNanos(Math.round(pathDelayMillis * 1e6)); // the upper bound is checked by Config
    }

    private static Duration duration(String option, double value, boolean zeroAllowed) {
        if (!Double.isFinite(value) || value < 0 || (!zeroAllowed && value == 0) || value > 86_400) {
            throw new IllegalArgumentException(option + " must be " + (zeroAllowed ? ">= 0" : "> 0")
                    + " and at most 86400 seconds, got " + value);
        }
        return Duration.ofNanos(Math.round(value * 1e9));
    }
}
