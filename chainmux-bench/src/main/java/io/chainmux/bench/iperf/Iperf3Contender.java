package io.chainmux.bench.iperf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmux.bench.BenchmarkException;
import io.chainmux.bench.Contender;
import io.chainmux.bench.RunParams;
import io.chainmux.bench.Running;
import io.chainmux.bench.Sample;
import io.chainmux.bench.Scenario;
import io.chainmux.bench.Workload;
import io.chainmux.bench.traffic.Meter;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * iperf3 over 127.0.0.1 (server and client processes, one TCP stream, its default 128 KiB writes),
 * bulk only: an external reference for what the kernel moves, beside raw TCP in this JVM. Its warm-up
 * is iperf3's {@code --omit}; both durations round up to whole seconds, as iperf3 takes them. When
 * the binary is missing the row is skipped with a note (Debian: {@code apt-get install iperf3}).
 */
public final class Iperf3Contender implements Contender {
    public static final String NAME = "iperf3";
    private static final String BINARY = "iperf3";
    private static final long START_TIMEOUT_MILLIS = 5_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path binary = find();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String unavailable() {
        return binary == null ? "iperf3 not found on PATH (Debian: apt-get install -y iperf3); its reference row is skipped"
                : null;
    }

    @Override
    public boolean supports(Scenario scenario) {
        return scenario.metric() == Scenario.Metric.MEGABYTES_PER_SECOND;
    }

    @Override
    public Running start(Workload workload, Meter meter) {
        throw new UnsupportedOperationException("iperf3 measures itself: use bulk()");
    }

    @Override
    public Sample bulk(RunParams params) throws Exception {
        if (binary == null) {
            throw new BenchmarkException(unavailable(), null);
        }
        long omit = (long) Math.ceil(params.warmup().toNanos() / 1e9);
        long time = Math.max(1, (long) Math.ceil(params.measure().toNanos() / 1e9));
        int port = freePort();
        Process server = new ProcessBuilder(binary.toString(), "-s", "-1", "--forceflush", "-B", "127.0.0.1", "-p",
                Integer.toString(port)).redirectErrorStream(true).start();
        try {
            awaitListening(server, port);
            Process client = new ProcessBuilder(binary.toString(), "-c", "127.0.0.1", "-p", Integer.toString(port),
                    "-t", Long.toString(time), "-O", Long.toString(omit), "-J").redirectErrorStream(true).start();
            String out;
            try {
                out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!client.waitFor(omit + time + 10, TimeUnit.SECONDS)) {
                    throw new BenchmarkException("iperf3 client did not finish", null);
                }
            } finally {
                client.destroy();
            }
            return parse(out);
        } finally {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** The receiver's bytes and seconds of the counted (not omitted) part, from iperf3's JSON output. */
    static Sample parse(String json) throws BenchmarkException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new BenchmarkException("iperf3 printed no JSON: " + json.strip(), e);
        }
        if (root.hasNonNull("error")) {
            throw new BenchmarkException("iperf3 failed: " + root.get("error").asText(), null);
        }
        JsonNode received = root.path("end").path("sum_received");
        long bytes = received.path("bytes").asLong(0);
        double seconds = received.path("seconds").asDouble(0);
        if (bytes <= 0 || seconds <= 0) {
            throw new BenchmarkException("iperf3 reported no received bytes", null);
        }
        return new Sample(bytes / Scenario.BULK_MESSAGE_SIZE, bytes, Math.round(seconds * 1e9));
    }

    private static void awaitListening(Process server, int port) throws IOException, BenchmarkException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
        String line;
        // iperf3 prints "Server listening on PORT" once bound; reading blocks only until it does or exits.
        while (System.currentTimeMillis() < deadline && (line = lines.readLine()) != null) {
            if (line.contains("listening on " + port)) {
                return;
            }
        }
        throw new BenchmarkException("iperf3 server did not start on port " + port, null);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The iperf3 binary on PATH, or null. */
    static Path find() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : List.of(path.split(File.pathSeparator))) {
            Path p = Path.of(dir, BINARY);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
