package io.chainmux.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code chainmux node}: started from the documented example config as a real process. */
class NodeCommandTest {
    /** A Prometheus text-format sample line: name, optional labels, a number. */
    private static final Pattern SAMPLE = Pattern.compile(
            "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\"(,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\")*})? "
                    + "(-?[0-9.eE+-]+|NaN|[+-]Inf)");

    @Test
    void startsFromTheExampleConfigServesMetricsAndShutsDownGracefullyOnSigterm(@TempDir Path dir) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "node",
                "--config", Path.of("..", "docs", "node-example.yaml").toString(),
                "--listen", "127.0.0.1:0", "--identity", dir.resolve("node.key").toString(),
                "--peer-db", dir.resolve("peers.db").toString(), "--metrics", "127.0.0.1:0",
                "--bootstrap", "", "--chains", "3"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder log = new StringBuilder();
        CompletableFuture<Integer> started = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (log) {
                        log.append(line).append('\n');
                    }
                    int at = line.indexOf("admin on port ");
                    if (at >= 0) { // the node's ready line, after metrics are up
                        started.complete(Integer.parseInt(line.substring(at + "admin on port ".length()).trim()));
                    }
                }
            } catch (Exception e) {
                started.completeExceptionally(e);
            }
            started.completeExceptionally(new AssertionError("the node exited before it listened"));
        });
        reader.start();
        try {
            int metrics = started.get(60, TimeUnit.SECONDS);
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + metrics + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            for (String line : r.body().split("\n")) {
                if (!line.isEmpty() && !line.startsWith("#")) {
                    assertThat(line).as("a Prometheus sample").matches(SAMPLE);
                }
            }
            // every metric the Grafana dashboard queries exists
            java.util.regex.Matcher m = Pattern.compile("chainmux_[a-z_]+")
                    .matcher(Files.readString(Path.of("..", "deploy", "grafana-dashboard.json")));
            while (m.find()) {
                if (!m.group().startsWith("chainmux_peer_")) { // per-peer series exist once a peer does
                    assertThat(r.body()).as("dashboard metric %s", m.group()).contains(m.group());
                }
            }
            assertThat(r.body()).contains("# TYPE chainmux_handshakes_completed_total counter")
                    .contains("chainmux_network_sessions_total{network=\"0/chaindb-sync/1\",outcome=\"ok\"}")
                    .contains("chainmux_limit_hits_total{limit=\"max_inbound_per_ip\"}")
                    .contains("chainmux_chain_height{chain=\"2\"}");
            // SIGTERM with kill(1): Process.destroy() would also close our end of its output first
            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor(10, TimeUnit.SECONDS);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
            reader.join(TimeUnit.SECONDS.toMillis(10));
            synchronized (log) {
                assertThat(log.toString()).contains("shutting down: GO_AWAY to every peer, saving the peer database")
                        .contains("stopped");
            }
            assertThat(Files.readString(dir.resolve("peers.db"))).startsWith("chainmux-peerdb 1");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("node.key"))))
                    .isEqualTo("rw-------");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aBrokenConfigIsRejectedWithOneLineNamingTheKey(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "listen: 127.0.0.1:0\nnetwork:\n  degree: 0\n");
        StringWriter err = new StringWriter();
        CommandLine cl = Main.newCommandLine();
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute("node", "--config", bad.toString())).isEqualTo(Main.EXIT_FAILURE);
        assertThat(err.toString().trim()).isEqualTo("error: invalid configuration: network.degree: must be in [1, 64], was 0");
        err.getBuffer().setLength(0);
        Files.writeString(bad, "listen: 127.0.0.1:0\nnetwork:\n  degre: 3\n");
        assertThat(cl.execute("node", "--config", bad.toString())).isEqualTo(Main.EXIT_FAILURE);
        assertThat(err.toString()).startsWith("error: invalid configuration: network.degre: unknown key");
        err.getBuffer().setLength(0);
        assertThat(cl.execute("node")).isEqualTo(2);
        assertThat(err.toString()).contains("give --config FILE or --listen HOST:PORT");
    }
}
