package io.chainmux.cli;

import io.chainmux.bench.CompareRun;
import io.chainmux.bench.Contenders;
import io.chainmux.bench.Report;
import io.chainmux.bench.ReportChart;
import io.chainmux.bench.ReportJson;
import io.chainmux.bench.ReportTable;
import io.chainmux.bench.Scenario;
import io.chainmux.bench.chainmux.ChainmuxContender;
import io.chainmux.bench.fairness.FairnessReport;
import io.chainmux.bench.fairness.FairnessRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code chainmux bench compare}: every contender on the standard scenarios, interleaved, in one JVM. */
@Command(name = "compare", sortOptions = false,
        description = {
                "Runs contenders side by side on 127.0.0.1 on three scenarios: bulk (64 KiB messages, one "
                        + "stream, MB/s), 64 B messages on 1 stream and on 1000 streams (messages/s).",
                "Each measurement warms up, then counts whole, in-order messages at the receiver. Contenders "
                        + "alternate within each round; the table shows medians over the rounds and the ratio "
                        + "to raw-tcp. Progress goes to stderr, the table to stdout.",
                "The chart (--chart, or next to --json) plots each scenario's contenders as ratios to raw-tcp "
                        + "against a 1.0x line; without raw-tcp, the measured figures in one panel per unit. An axis "
                        + "turns logarithmic when its values span more than 50x."})
public final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RunOptions run;

    @Option(names = "--contenders", paramLabel = "NAME", split = ",",
            description = "${COMPLETION-CANDIDATES}: contenders to run, comma-separated. Default: all but "
                    + ChainmuxContender.ONE_MIB_WINDOW + " (chainmux with each stream window capped at 1 MiB) and "
                    + ChainmuxContender.PUSH + " (chainmux offering each message with trySend; chainmux pulls them"
                    + " from a MessageSource per stream).",
            completionCandidates = ContenderNames.class)
    List<String> contenders;

    @Option(names = "--path-delay-ms", paramLabel = "MS", defaultValue = "0",
            description = "Dial through a relay that holds every byte MS milliseconds each way (a long path on "
                    + "loopback; TCP itself still sees a short one, so it tests flow control above TCP). "
                    + "Only the chainmux contenders support it (default: ${DEFAULT-VALUE}).")
    double pathDelayMillis;

    @Option(names = "--scenario", paramLabel = "NAME", defaultValue = "standard",
            description = "standard: the three scenarios above. fairness: on one connection of each contender "
                    + "(raw-tcp as a shared FIFO, http2, grpc, chainmux; default all four), Jain's index of --chains "
                    + "saturating chains per 1 s window, weights 1:2:4 (n/a without weights), 1 KiB-message latency "
                    + "on --chains chains beside a bulk chain, and a reader beside --stalled chains whose readers "
                    + "stopped; one round. Default: ${DEFAULT-VALUE}.")
    String scenario;

    @Option(names = "--chains", paramLabel = "N", defaultValue = "" + FairnessRun.CHAINS,
            description = "fairness only: equal saturating chains, and chains of small messages (default: ${DEFAULT-VALUE}).")
    int chains;

    @Option(names = "--stalled", paramLabel = "N", defaultValue = "" + FairnessRun.STALLED,
            description = "fairness only: chains beside the one reader whose readers stopped (default: ${DEFAULT-VALUE}).")
    int stalled;

    @Override
    public Integer call() throws Exception {
        if (scenario.equals("fairness")) {
            return fairness();
        }
        if (!scenario.equals("standard")) {
            throw new ParameterException(spec.commandLine(), "--scenario must be standard or fairness, not " + scenario);
        }
        Path chartFile = run.chartFile(spec);
        Report report = run.execute(spec, contenders == null ? Contenders.defaults() : contenders, Scenario.standard(),
                pathDelayMillis);
        if (run.json != null) {
            ReportJson.write(report, run.json);
            spec.commandLine().getErr().println("wrote " + run.json.toAbsolutePath());
        }
        if (chartFile != null) {
            ChartOption.write(ReportChart.compare(report), chartFile, spec.commandLine().getErr());
        }
        return 0;
    }

    private int fairness() throws Exception {
        List<String> names = contenders == null ? FairnessRun.DEFAULTS : contenders;
        Path chartFile = run.chartFile(spec);
        FairnessRun.Config config;
        List<FairnessRun> runs = new ArrayList<>();
        try {
            config = new FairnessRun.Config(Duration.ofMillis(Math.round(run.warmupSeconds * 1000)),
                    Duration.ofMillis(Math.round(run.seconds * 1000)), chains, stalled);
            for (String name : names) {
                runs.add(new FairnessRun(config, name, System.err));
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        LeakDetection.offUnlessSet();
        Map<String, FairnessRun.Result> results = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            results.put(names.get(i), runs.get(i).run());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(FairnessReport.table(results));
        out.flush();
        if (run.json != null) {
            FairnessReport.writeJson(config, results, run.json);
            spec.commandLine().getErr().println("wrote " + run.json.toAbsolutePath());
        }
        if (chartFile != null) {
            ChartOption.write(FairnessReport.chart(results), chartFile, spec.commandLine().getErr());
        }
        return 0;
    }

    /** Lists the registered contenders in the help text. */
    static final class ContenderNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Contenders.names().iterator();
        }
    }
}
