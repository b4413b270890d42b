package io.chainmux.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chainmux.node.demo.DemoException;
import io.chainmux.node.demo.DemoRun;
import io.chainmux.node.demo.DemoSettings;
import io.chainmux.node.demo.DemoChart;
import io.chainmux.node.demo.DemoSummary;
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
                        + "connection sharing (few TCP connections, many streams) and fairness (small-message "
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

    @Option(names = "--chart", paramLabel = "FILE", description = ChartOption.DESCRIPTION
            + " The chart shows the late node's catch-up and the small-message latency, second by second.")
    Path chart;

    @Override
    public Integer call() throws IOException {
        DemoSettings settings = options.settings(spec, processes);
        List<String> jvmOptions = Arrays.stream(nodeJvmOptions.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
        Path chartFile = ChartOption.resolve(spec.commandLine(), chart, json); // checks both paths before the run
        LeakDetection.offUnlessSet();
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
        if (chartFile != null) {
            DemoChart.write(summary, chartFile);
            err.println("wrote " + chartFile.toAbsolutePath());
            err.flush();
        }
        return summary.ok() ? 0 : Main.EXIT_FAILURE;
    }

}
