package io.chainmux.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chainmux.bench.endpoint.EndpointBench;
import io.chainmux.bench.endpoint.EndpointChart;
import io.chainmux.bench.endpoint.PlacementBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code chainmux bench endpoint}: handshake rate and striped bulk throughput between two nodes. */
@Command(name = "endpoint", sortOptions = false,
        description = "Measures two endpoints on 127.0.0.1: handshakes completed per second (plaintext and TLS 1.3, "
                + "8 clients each dialing, closing, dialing again) and bulk throughput of 64 KiB messages over one peer connection striped "
                + "over K = 1, 2, 4 TCP connections. Medians over the rounds. The chart (--chart, or next to --json) "
                + "shows handshakes/s (plaintext vs TLS) and MB/s per K. With --placement it measures stripe placement "
                + "instead: K = 2, one bulk stream, then 100 latency-sensitive chains of 1 KiB messages every 10 ms; their "
                + "latency and the bulk MB/s, placed by stream count and by measured load, alternating in each round; "
                + "--path-delay-ms and --path-mbps put a relay between the endpoints that models a path between machines.")
public final class EndpointBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--warmup-seconds", paramLabel = "SECONDS", defaultValue = "2",
            description = "Warm-up before each measurement (default: ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--seconds", paramLabel = "SECONDS", defaultValue = "4",
            description = "Measured time of each measurement (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3", description = "Rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--placement", description = "Measure stripe placement beside a bulk transfer (see above) instead.")
    boolean placement;

    @Option(names = "--path-delay-ms", paramLabel = "MS", defaultValue = "0",
            description = "With --placement: a relay on 127.0.0.1 holds every byte MS ms each way (default: ${DEFAULT-VALUE}, no relay).")
    int pathDelayMs;

    @Option(names = "--path-mbps", paramLabel = "MB/S", defaultValue = "0",
            description = "With --placement: the relay sends at most MB/S megabytes per second on each direction of each "
                    + "TCP connection, a link whose queue is the connection's own (default: ${DEFAULT-VALUE}, no limit).")
    long pathMBps;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the medians to FILE as JSON.")
    Path json;

    @Option(names = "--chart", paramLabel = "FILE", description = ChartOption.DESCRIPTION)
    Path chart;

    @Override
    public Integer call() throws Exception {
        if (warmupSeconds < 0 || seconds < 1 || rounds < 1 || rounds > 100 || warmupSeconds > 3600 || seconds > 3600) {
            throw new ParameterException(spec.commandLine(),
                    "need --warmup-seconds in [0, 3600], --seconds in [1, 3600], --rounds in [1, 100]");
        }
        if (!placement && (pathDelayMs != 0 || pathMBps != 0)) {
            throw new ParameterException(spec.commandLine(), "--path-delay-ms and --path-mbps apply to --placement only");
        }
        PlacementBench.Path path;
        try {
            path = new PlacementBench.Path(Duration.ofMillis(pathDelayMs), Math.multiplyExact(pathMBps, 1_000_000L));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ParameterException(spec.commandLine(), "bad path: " + e.getMessage());
        }
        Path chartFile = ChartOption.resolve(spec.commandLine(), chart, json);
        LeakDetection.offUnlessSet();
        if (placement) {
            return placement(chartFile, path);
        }
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "endpoint benchmarks: %d rounds of 5 measurements, %d s + %d s each%n", rounds,
                warmupSeconds, seconds);
        Map<String, Double> medians = new EndpointBench(Duration.ofSeconds(warmupSeconds), Duration.ofSeconds(seconds),
                err).runAll(rounds);
        PrintWriter out = spec.commandLine().getOut();
        out.println();
        medians.forEach((k, v) -> out.printf(Locale.ROOT, "%-30s %,12.0f%n", k, v));
        out.flush();
        if (json != null) {
            Files.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(medians));
            err.println("wrote " + json.toAbsolutePath());
        }
        if (chartFile != null) {
            ChartOption.write(EndpointChart.of(medians, rounds, warmupSeconds, seconds), chartFile, err);
        }
        return 0;
    }

    private int placement(Path chartFile, PlacementBench.Path path) throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "stripe placement: %d rounds of 2 measurements, %d s + %d s each%s%n", rounds,
                warmupSeconds, seconds, path.describe());
        List<PlacementBench.Result> results = new PlacementBench(Duration.ofSeconds(warmupSeconds),
                Duration.ofSeconds(seconds), path, err).run(rounds);
        PrintWriter out = spec.commandLine().getOut();
        out.println();
        out.printf(Locale.ROOT, "K = 2 stripes, loopback%s%n", path.describe());
        out.printf(Locale.ROOT, "%-18s %-22s %-28s %s%n", "placement", "chains beside bulk", "1 KiB p50/p99/p99.9 ms",
                "bulk MB/s");
        for (PlacementBench.Result r : results) {
            out.printf(Locale.ROOT, "%-18s %-22s %-28s %.0f%n", r.policy(), r.besideBulk() + " of 100",
                    String.format(Locale.ROOT, "%.2f/%.2f/%.2f", r.p50(), r.p99(), r.p999()), r.bulkMBps());
        }
        out.flush();
        if (json != null) {
            Files.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results));
            err.println("wrote " + json.toAbsolutePath());
        }
        if (chartFile != null) {
            ChartOption.write(PlacementBench.chart(results, rounds, warmupSeconds, seconds, path), chartFile, err);
        }
        return 0;
    }
}
