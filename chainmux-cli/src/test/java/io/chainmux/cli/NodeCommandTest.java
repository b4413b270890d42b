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
                    .contains("chainmux_chain_height{chain=\"2\"}")
                    .contains("# TYPE chainmux_fetch_window_bytes gauge")
                    .contains("# TYPE chainmux_fetch_waits_total counter");
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

    private final StringWriter err = new StringWriter();
    private final StringWriter out = new StringWriter();

    private int node(String... args) {
        CommandLine cl = Main.newCommandLine();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(out, true));
        err.getBuffer().setLength(0);
        return cl.execute(args);
    }

    /** One line on stderr, and nothing of Jackson's or Java's own words in it. */
    private String oneLine() {
        assertThat(err.toString().lines()).hasSize(1);
        assertThat(err.toString()).doesNotContain("Exception", "java.", "Cannot deserialize", "Cannot construct");
        return err.toString().trim();
    }

    @Test
    void configErrorsExit2WithOneLineNamingTheKeyOrFlag(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "listen: 127.0.0.1:0\nnetwork:\n  degree: 0\n");
        assertThat(node("node", "--config", bad.toString())).isEqualTo(2);
        assertThat(oneLine()).startsWith("error: invalid configuration: network.degree: must be in [1, 64], was 0");
        Files.writeString(bad, "listen: 127.0.0.1:0\nnetwork:\n  degre: 3\n");
        assertThat(node("node", "--config", bad.toString())).isEqualTo(2);
        assertThat(oneLine()).startsWith("error: invalid configuration: network.degre: unknown key");
        Files.writeString(bad, "listen: 127.0.0.1:0\nnetwork:\n  degree: eight\n");
        assertThat(node("node", "--config", bad.toString())).isEqualTo(2);
        assertThat(oneLine()).startsWith("error: invalid configuration: network.degree: expected a whole number, got 'eight'");
        Files.writeString(bad, "listen: 127.0.0.1:0\nchains: [1, 2\n");
        assertThat(node("node", "--config", bad.toString())).isEqualTo(2);
        assertThat(oneLine()).startsWith("error: invalid configuration: " + bad + ": is not valid YAML at line");
        assertThat(node("node", "--config", dir.resolve("missing.yaml").toString())).isEqualTo(2);
        assertThat(oneLine()).contains("missing.yaml: no such file");
        assertThat(node("node", "--listen", "127.0.0.1:70000")).isEqualTo(2);
        assertThat(oneLine()).startsWith("error: --listen: port must be in [0, 65535]");
        assertThat(node("node", "--listen", "127.0.0.1:0", "--bootstrap", "127.0.0.1:7")).isEqualTo(2);
        assertThat(oneLine()).startsWith("error: --bootstrap: needs the peer id: PEERID@HOST:PORT");
        assertThat(node("node")).isEqualTo(2);
        assertThat(oneLine()).contains("give --config FILE or --listen HOST:PORT");
        assertThat(node("node", "--listen", "127.0.0.1:0", "--log-level", "loud")).isEqualTo(2);
        assertThat(oneLine()).startsWith("error: --log-level must be error, warn, info, debug or trace");
    }

    @Test
    void aSecondNodeWithTheSameIdentityIsRefusedWithOneLine(@TempDir Path dir) throws Exception {
        io.chainmux.node.NodeConfigFile first = io.chainmux.node.NodeConfigFile.load(null, java.util.Map.of(
                "listen", "127.0.0.1:0", "dataDir", dir.toString()));
        try (io.chainmux.node.NodeRunner running = io.chainmux.node.NodeRunner.start(first,
                io.chainmux.endpoint.Transport.parse("auto"))) {
            assertThat(node("node", "--listen", "127.0.0.1:0", "--data-dir", dir.toString())).isEqualTo(2);
            assertThat(oneLine()).startsWith("error: invalid configuration: identity: ").contains(dir.resolve("node.key") + " is in use by another running node (pid "
                            + ProcessHandle.current().pid() + ")");
            Path otherKey = dir.resolve("other.key");
            assertThat(node("node", "--listen", "127.0.0.1:0", "--identity", otherKey.toString(), "--peer-db",
                    dir.resolve("peers.db").toString())).as("one peer DB, two writers").isEqualTo(2);
            assertThat(oneLine()).contains(dir.resolve("peers.db") + " is in use by another running node");
        }
    }

    @Test
    void helpShowsTheDefaults() {
        assertThat(node("node", "--help")).isZero();
        String help = out.toString().replaceAll("\\s+", " ");
        assertThat(help).contains("(chains.count; default: 1)", "(network.degree; default: 8)", "(stripes; default: 1)",
                "(tls; default: off)", "(peerDb; default: DIR/peers.db)", "(metrics; default: off)",
                "(identity; default: DIR/node.key)", "--log-level");
    }
}
