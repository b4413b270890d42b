package io.chainmux.cli;

import io.chainmux.bench.scale.ScaleMode;
import io.chainmux.bench.scale.ScaleResult;
import io.chainmux.bench.scale.ScaleRun;
import io.chainmux.bench.scale.ScaleSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code chainmux bench scale}: one node at the seed's scale against real peers, shared or unshared. */
@Command(name = "scale", sortOptions = false,
        description = {
                "Runs one node under test in its own JVM (the node's default JVM options) with --chains chain "
                        + "networks at --degree against --peers accept-only peer nodes (real chainmux nodes on "
                        + "127.0.0.1, in this JVM), through five phases: form (until every chain holds its degree), "
                        + "idle, steady (every chain gets a small block every --block-interval s, a latency-sensitive "
                        + "network sends small messages), catch-up (the node restarts empty with its key and peer "
                        + "database and fetches every chain), and heal (all its TCP connections cut at once).",
                "--mode unshared gives every stream a TCP connection and handshake of its own (the same "
                        + "sessions); it needs about chains x degree file descriptors in this process and the node's "
                        + "(ulimit -n).",
                "Prints a table; --json writes every figure; the chart goes to --chart or next to --json. Exit code 0 "
                        + "when every chain was at degree after forming and after the heal, no session failed "
                        + "without an injected cause and no small message was lost; 1 otherwise."})
public final class ScaleBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "shared",
            description = "shared (multiplexed TCP connections per peer) or unshared (one per stream) "
                    + "(default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--chains", paramLabel = "N", defaultValue = "1000", description = "Chain networks (default: ${DEFAULT-VALUE}).")
    int chains;

    @Option(names = "--degree", paramLabel = "D", defaultValue = "8",
            description = "Outgoing sessions per chain of the node under test (default: ${DEFAULT-VALUE}).")
    int degree;

    @Option(names = "--peers", paramLabel = "N", defaultValue = "16", description = "Peer nodes (default: ${DEFAULT-VALUE}).")
    int peers;

    @Option(names = "--stripes", paramLabel = "K", defaultValue = "1",
            description = "TCP connections per peer in the shared mode (default: ${DEFAULT-VALUE}).")
    int stripes;

    @Option(names = "--form-timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "Longest wait for every chain at degree, at start and after the restart (default: ${DEFAULT-VALUE}).")
    double formTimeout;

    @Option(names = "--idle-seconds", paramLabel = "SECONDS", defaultValue = "60", description = "Idle phase (default: ${DEFAULT-VALUE}).")
    double idleSeconds;

    @Option(names = "--steady-seconds", paramLabel = "SECONDS", defaultValue = "60", description = "Steady phase (default: ${DEFAULT-VALUE}).")
    double steadySeconds;

    @Option(names = "--block-interval", paramLabel = "SECONDS", defaultValue = "10",
            description = "Seconds between two blocks of a chain in the steady phase (default: ${DEFAULT-VALUE}).")
    double blockInterval;

    @Option(names = "--block-size", paramLabel = "BYTES", defaultValue = "1024", description = "Payload per block (default: ${DEFAULT-VALUE}).")
    int blockSize;

    @Option(names = "--catchup-blocks", paramLabel = "N", defaultValue = "50",
            description = "Blocks added to every chain while the node is down (default: ${DEFAULT-VALUE}).")
    int catchupBlocks;

    @Option(names = "--catchup-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "Longest wait for the catch-up (default: ${DEFAULT-VALUE}).")
    double catchupTimeout;

    @Option(names = "--heal-timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "Longest wait for every chain back at degree after the cut (default: ${DEFAULT-VALUE}).")
    double healTimeout;

    @Option(names = "--msg-rate", paramLabel = "PER_SECOND", defaultValue = "10",
            description = "Small messages per second per session of the latency-sensitive network (default: ${DEFAULT-VALUE}).")
    double msgRate;

    @Option(names = "--msg-size", paramLabel = "BYTES", defaultValue = "128", description = "Small-message size (default: ${DEFAULT-VALUE}).")
    int msgSize;

    @Option(names = "--node-jvm-options", paramLabel = "OPTIONS",
            description = "JVM options of the node under test, space-separated (default: those of 'bin/chainmux node': "
                    + "-Xms64m -Xmx384m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Dio.netty.jfr.enabled=false).")
    String nodeJvmOptions;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write every figure to FILE as JSON.")
    Path json;

    @Option(names = "--chart", paramLabel = "FILE", description = ChartOption.DESCRIPTION)
    Path chart;

    @Override
    public Integer call() throws Exception {
        ScaleSettings settings;
        ScaleMode m = switch (mode) {
            case "shared" -> ScaleMode.SHARED;
            case "unshared" -> ScaleMode.UNSHARED;
            default -> throw new ParameterException(spec.commandLine(), "--mode must be shared or unshared, got " + mode);
        };
        List<String> jvm = nodeJvmOptions == null ? ScaleSettings.NODE_JVM_DEFAULTS
                : Arrays.stream(nodeJvmOptions.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
        try {
            settings = new ScaleSettings(m, chains, degree, peers, stripes, formTimeout, idleSeconds, steadySeconds,
                    blockInterval, blockSize, catchupBlocks, catchupTimeout, healTimeout, msgRate, msgSize, jvm);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Path chartFile = ChartOption.resolve(spec.commandLine(), chart, json);
        PrintWriter err = spec.commandLine().getErr();
        ScaleResult result = ScaleRun.run(settings, err);
        PrintWriter out = spec.commandLine().getOut();
        result.printTable(out);
        if (json != null) {
            Files.writeString(json, result.toJson());
            err.println("wrote " + json.toAbsolutePath());
        }
        if (chartFile != null) {
            ChartOption.write(result.chart(), chartFile, err);
        }
        err.flush();
        return result.ok() ? 0 : Main.EXIT_FAILURE;
    }
}
