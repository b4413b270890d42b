package io.chainmux.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chainmux.node.demo.DemoException;
import io.chainmux.node.demo.DemoRun;
import io.chainmux.node.demo.DemoSettings;
import io.chainmux.node.demo.DemoSummary;
import io.netty.util.ResourceLeakDetector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code chainmux demo}: a local network on 127.0.0.1 that shows connection sharing and fairness. See
 * docs/DEMO.md for what it does and what the summary means.
 */
@Command(name = "demo", sortOptions = false,
        description = {
                "Runs a local chainmux network on 127.0.0.1: every node but one holds every chain; the last node "
                        + "starts late and empty and catches up every chain with the chain-database sync, while "
                        + "small sequence-numbered messages go back and forth over the same TCP connections. Shows "
                        + "connection sharing (few TCP connections, many logical ones) and fairness (small-message "
                        + "latency while the bulk catch-up runs).",
                "Progress on stderr every second; a summary on stdout; --json FILE writes the figures. Exit code 1 "
                        + "if a chain does not verify, a small message was lost, or the catch-up took longer than "
                        + "--seconds."})
public final class DemoCommand implements Callable<Integer> {
    /** Heap etc. of each node process with --processes (the default size needs far less). */
    static final String NODE_JVM_OPTIONS = "-Xmx512m -XX:+UseSerialGC";

    @Spec
    CommandSpec spec;

    @Mixin
    DemoOptions options;

    @Option(names = "--processes", description = "Run each node as its own OS process (same summary).")
    boolean processes;

    @Option(names = "--node-jvm-options", paramLabel = "OPTIONS",
            description = "JVM options of each node process with --processes (default: ${DEFAULT-VALUE}).")
    String nodeJvmOptions = NODE_JVM_OPTIONS;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the machine-readable summary to FILE.")
    Path json;

    // TODO(charts): hook for the lead: a `--chart FILE` option (cf. ChartOption, io.chainmux.bench.chart
    // .LineChart from branch `charts`) drawing DemoSummary.json().get("timeline"), a List of
    // io.chainmux.node.demo.Progress.Sample: per second t, phase, catch-up %, MB/s, small-message p50/p99.

    @Override
    public Integer call() throws IOException {
        DemoSettings settings = options.settings(spec, processes);
        List<String> jvmOptions = Arrays.stream(nodeJvmOptions.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
        if (json != null && json.getParent() != null && !Files.isDirectory(json.getParent())) {
            throw new ParameterException(spec.commandLine(), "--json: directory " + json.getParent() + " does not exist");
        }
        // The leak detector's per-buffer bookkeeping would tax the run; tests set the level explicitly.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        PrintWriter err = spec.commandLine().getErr();
        DemoSummary summary;
        try (Quiet quiet = Quiet.chainmuxWarningsOnly()) {
            summary = DemoRun.of(settings, jvmOptions, err, System.console() != null).run();
        } catch (DemoException e) {
            throw new CliFailure(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println();
        out.print(summary.text());
        out.flush();
        if (json != null) {
            Files.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(summary.json()) + System.lineSeparator());
            err.println("wrote " + json.toAbsolutePath());
            err.flush();
        }
        return summary.ok() ? 0 : Main.EXIT_FAILURE;
    }
}
