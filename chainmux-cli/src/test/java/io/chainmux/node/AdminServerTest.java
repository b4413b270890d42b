package io.chainmux.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmux.endpoint.Transport;
import io.chainmux.endpoint.identity.NodeIdentity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin interface of a running node: what a Prometheus server and an operator read. */
class AdminServerTest {
    @TempDir
    static Path dir;
    static NodeRunner node;
    static String base;
    static String downPeer;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        downPeer = NodeIdentity.generate().peerId() + "@127.0.0.1:" + closedPort;
        NodeConfigFile c = NodeConfigFile.load(null, Map.of("listen", "127.0.0.1:0", "metrics", "127.0.0.1:0",
                "dataDir", dir.toString(), "chains.count", 2, "bootstrap", List.of(downPeer)));
        node = NodeRunner.start(c, Transport.parse("auto"));
        base = "http://127.0.0.1:" + node.adminPort();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static HttpResponse<String> get(String path, String method) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void rootListsTheEndpointsAndHeadAnswersLikeGet() throws Exception {
        HttpResponse<String> root = get("/", "GET");
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(root.body()).contains("/metrics", "/peers", "/health");
        HttpResponse<String> head = get("/metrics", "HEAD");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(get("/nothing-here", "GET").statusCode()).isEqualTo(404);
        assertThat(get("/metrics", "POST").statusCode()).isEqualTo(405);
    }

    @Test
    void everyMetricHasItsOwnHelpAndJvmProcessAndBuildMetricsAreThere() throws Exception {
        String body = get("/metrics", "GET").body();
        Map<String, String> metricByHelp = new HashMap<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("# HELP chainmux_")) { // Micrometer's own (a timer's _max, say) share theirs
                String[] parts = line.split(" ", 4);
                String other = metricByHelp.put(parts[3], parts[2]);
                assertThat(other).as("HELP text of %s is also %s's", parts[2], other).isNull();
            }
        }
        assertThat(body).contains("chainmux_build_info{", "jvm_memory_used_bytes", "jvm_threads_live_threads",
                "process_cpu_usage", "process_uptime_seconds", "process_files_open_files");
        assertThat(body).as("one refused-opens metric").contains("chainmux_refused_opens_total{")
                .doesNotContain("chainmux_mux_refused_opens_total");
    }

    @Test
    void aPeerThatIsNotConnectedHasNoPerPeerSeriesButPeersSaysWhyItIsDown() throws Exception {
        String id = downPeer.substring(0, downPeer.indexOf('@'));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonNode row = null;
        while (row == null && System.nanoTime() < deadline) { // the bootstrap dial is refused at once
            for (JsonNode r : new ObjectMapper().readTree(get("/peers", "GET").body())) {
                if (r.path("peer").asText().equals(id) && r.hasNonNull("lastFailure")) {
                    row = r;
                }
            }
            Thread.onSpinWait();
        }
        assertThat(row).as("the bootstrap peer in /peers with its last failure").isNotNull();
        assertThat(row.path("lastFailure").asText()).endsWith(": connection refused");
        assertThat(row.path("stripes").asInt()).isZero();
        String shortId = io.chainmux.endpoint.identity.PeerId.parse(id).shortForm();
        assertThat(get("/metrics", "GET").body()).doesNotContain("peer=\"" + shortId + "\"");
    }

    @Test
    void promtoolAcceptsTheMetrics() throws Exception {
        Path promtool = onPath("promtool");
        Assumptions.assumeTrue(promtool != null, "promtool is not installed (Debian package prometheus; .ci/run "
                + "installs it): the Prometheus lint of /metrics is skipped");
        Path scrape = dir.resolve("metrics.txt");
        Files.writeString(scrape, get("/metrics", "GET").body());
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectInput(scrape.toFile())
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool check metrics: %s", said).isZero();
    }

    static Path onPath(String tool) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        for (String d : dirs) {
            Path p = Path.of(d, tool);
            if (!d.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
