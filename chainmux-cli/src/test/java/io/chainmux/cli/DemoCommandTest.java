package io.chainmux.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code chainmux demo} at a small size, in this JVM and as processes, and its option checks. */
class DemoCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSmallNetworkCatchesUpWithEveryHashVerifiedAndNoMessageLost(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("demo.json");
        int code = run("demo", "--nodes", "4", "--chains", "20", "--degree", "2", "--stripes", "2", "--blocks", "200",
                "--block-size", "1024", "--warmup", "1", "--tail", "1", "--seconds", "60", "--json", json.toString());
        assertThat(code).as("stderr:%n%s%nstdout:%n%s", err, out).isZero();

        JsonNode s = new ObjectMapper().readTree(json.toFile());
        checkSummary(s, 4, 20, 2, 2, 200);
        assertThat(s.get("settings").get("processes").asBoolean()).isFalse();
        // Human output: progress lines on stderr, the summary on stdout.
        assertThat(err.toString()).contains("catch-up", "late node", "[chains 0-3 ", "msgs", "verifying");
        assertThat(out.toString()).contains("chainmux demo: 4 nodes x 20 chains", "result    OK");
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void eachNodeCanRunAsItsOwnProcess(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("demo.json");
        int code = run("demo", "--processes", "--nodes", "3", "--chains", "5", "--degree", "1", "--stripes", "2",
                "--blocks", "100", "--block-size", "512", "--warmup", "0.5", "--tail", "0.5", "--seconds", "60",
                "--node-jvm-options", "-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1", "--json", json.toString());
        assertThat(code).as("stderr:%n%s%nstdout:%n%s", err, out).isZero();

        JsonNode s = new ObjectMapper().readTree(json.toFile());
        checkSummary(s, 3, 5, 1, 2, 100);
        assertThat(s.get("settings").get("processes").asBoolean()).isTrue();
        assertThat(out.toString()).contains("one process per node", "result    OK");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aCatchUpPastItsDeadlineFailsTheRunButStillSummarises(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("demo.json");
        int code = run("demo", "--nodes", "3", "--chains", "5", "--degree", "1", "--blocks", "3000", "--block-size",
                "256", "--warmup", "0", "--tail", "0", "--seconds", "0.001", "--json", json.toString());
        assertThat(code).as("stderr:%n%s", err).isEqualTo(1);
        JsonNode s = new ObjectMapper().readTree(json.toFile());
        assertThat(s.get("ok").asBoolean()).isFalse();
        assertThat(s.get("catchup_finished").asBoolean()).isFalse();
        assertThat(s.get("failures").toString()).contains("the late node did not catch up within --seconds 0.001");
        assertThat(out.toString()).contains("result    FAILED: ", "(NOT finished)");
        assertThat(err.toString()).contains("node 2 did NOT catch up within --seconds");
    }

    /** What the issue asks of every run's JSON summary. */
    private static void checkSummary(JsonNode s, int nodes, int chains, int degree, int stripes, int blocks) {
        assertThat(s.get("ok").asBoolean()).as("failures: %s", s.get("failures")).isTrue();
        assertThat(s.get("nodes").asInt()).isEqualTo(nodes);
        assertThat(s.get("chains").asInt()).isEqualTo(chains);
        assertThat(s.get("degree").asInt()).isEqualTo(degree);
        assertThat(s.get("stripes").asInt()).isEqualTo(stripes);
        assertThat(s.get("hash_verified").asBoolean()).isTrue();
        assertThat(s.get("messages_lost").asLong()).isZero();
        assertThat(s.get("catchup_finished").asBoolean()).isTrue();
        assertThat(s.get("blocks_synced").asLong()).as("the late node fetched each block once")
                .isEqualTo((long) chains * blocks);
        assertThat(s.get("bytes").asLong()).isGreaterThan((long) chains * blocks);
        assertThat(s.get("catchup_seconds").asDouble()).isPositive();
        assertThat(s.get("messages_sent").asLong()).isPositive().isEqualTo(s.get("messages_echoed").asLong());
        assertThat(s.get("small_msg_count").asLong()).isPositive();
        assertThat(s.get("small_msg_p99_ms").asDouble()).isGreaterThanOrEqualTo(s.get("small_msg_p50_ms").asDouble())
                .isPositive();
        assertThat(s.get("all_at_degree").asBoolean()).isTrue();

        int tcp = s.get("tcp_connections").asInt();
        int streams = s.get("logical_connections").asInt();
        assertThat(tcp).isPositive().isLessThanOrEqualTo(nodes * (nodes - 1) / 2 * stripes);
        assertThat(streams).as("streams share TCP connections").isGreaterThan(tcp);
        assertThat(s.get("sharing_ratio").asDouble()).isCloseTo((double) streams / tcp,
                org.assertj.core.data.Offset.offset(0.01));
        assertThat(s.get("tcp_connections_per_node")).hasSize(nodes);

        JsonNode perNode = s.get("per_node");
        assertThat(perNode).hasSize(nodes);
        Set<String> ids = new HashSet<>();
        List<Boolean> late = new ArrayList<>();
        for (JsonNode n : perNode) {
            int peers = n.get("peers").asInt();
            assertThat(peers).isBetween(degree, nodes - 1);
            assertThat(n.get("tcp_connections").asInt()).as("node %s: tcp <= peers x stripes", n.get("index"))
                    .isPositive().isLessThanOrEqualTo(peers * stripes);
            assertThat(n.get("at_degree").asBoolean()).as("node %s at its degree", n.get("index")).isTrue();
            assertThat(n.get("min_chain_degree").asInt()).isGreaterThanOrEqualTo(degree);
            assertThat(n.get("gossip_degree").asInt()).isGreaterThanOrEqualTo(degree);
            assertThat(n.get("chains_valid").asInt()).isEqualTo(chains);
            assertThat(n.get("chains_full").asInt()).isEqualTo(chains);
            assertThat(n.get("blocks_checked").asLong()).isEqualTo((long) chains * (blocks + 1));
            assertThat(n.get("messages_lost").asLong()).isZero();
            ids.add(n.get("peer_id").asText());
            late.add(n.get("late").asBoolean());
        }
        assertThat(ids).as("distinct node identities").hasSize(nodes);
        assertThat(late).containsOnlyOnce(true).last().isEqualTo(true);
        assertThat(s.get("timeline")).isNotEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--nodes=1          | --nodes must be in [2, 64], got 1",
            "--nodes=65         | --nodes must be in [2, 64], got 65",
            "--nodes=x          | Invalid value for option '--nodes'",
            "--chains=0         | --chains must be in [1, 10000], got 0",
            "--degree=0         | --degree must be in [1, 30], got 0",
            "--degree=6         | --degree must be at most --nodes - 1 (5 other nodes to connect to), got 6",
            "--stripes=0        | --stripes must be in [1, 8], got 0",
            "--stripes=9        | --stripes must be in [1, 8], got 9",
            "--blocks=0         | --blocks must be in [1, 1000000], got 0",
            "--block-size=0     | --block-size must be in [1, ",
            "--seconds=0        | --seconds must be > 0 and at most 86400 seconds, got 0.0",
            "--seconds=NaN      | --seconds must be > 0 and at most 86400 seconds, got NaN",
            "--warmup=-1        | --warmup must be >= 0 and at most 86400 seconds, got -1.0",
            "--tail=-1          | --tail must be >= 0 and at most 86400 seconds, got -1.0",
            "--msg-size=8       | --msg-size must be in [16, 65536], got 8",
            "--msg-rate=0       | --msg-rate must be > 0 and at most 1000 messages per second, got 0.0",
            "--json=/nonexistent-dir/x.json | --json: directory /nonexistent-dir does not exist",
            "--no-such-option   | Unknown option: '--no-such-option'"})
    void badOptionsGiveOneLineErrorsAndExitCode2(String option, String message) {
        assertThat(run("demo", option)).isEqualTo(2);
        assertThat(err.toString().lines()).as(err.toString()).singleElement().asString()
                .startsWith("error: ").contains(message);
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void theNodeCommandChecksItsIndex() {
        assertThat(run("demo-node", "--nodes=3", "--degree=1", "--index=3")).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString().contains("--index must be in [0, 2], got 3");
    }

    @Test
    void demoIsListedAndDemoNodeIsHidden() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("demo").doesNotContain("demo-node");
        out.getBuffer().setLength(0);
        assertThat(run("demo", "--help")).isZero();
        assertThat(out.toString()).contains("--nodes", "--chains", "--degree", "--stripes", "--blocks", "--block-size",
                "--seconds", "--json", "--processes", "--warmup", "--tail", "--msg-size", "--msg-rate");
    }
}
