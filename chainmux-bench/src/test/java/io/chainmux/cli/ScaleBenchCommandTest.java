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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chainmux bench scale} at a tiny size (20 chains, degree 2, 3 peers, phases of seconds): the
 * node under test runs in its own JVM through every phase, in both modes, and the JSON holds the
 * figures. Whether the figures meet the targets is the benchmark's business, at full size.
 */
class ScaleBenchCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = BenchMain.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private JsonNode tiny(Path dir, String mode) throws Exception {
        Path json = dir.resolve(mode + ".json");
        int code = run("bench", "scale", "--mode", mode, "--chains", "20", "--degree", "2", "--peers", "3",
                "--idle-seconds", "2", "--steady-seconds", "2", "--block-interval", "1", "--catchup-blocks", "5",
                "--form-timeout", "60", "--heal-timeout", "60", "--json", json.toString());
        assertThat(code).as("exit code; stdout:%n%s%nstderr:%n%s", out, err).isZero();
        assertThat(out.toString()).contains("result OK");
        assertThat(err.toString()).as("progress on stderr").contains("[scale " + mode).contains("form").contains("heal");
        assertThat(dir.resolve(mode + ".svg")).exists();
        return new ObjectMapper().readTree(Files.readString(json));
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void sharedRunsEveryPhaseAndReportsTheFigures(@TempDir Path dir) throws Exception {
        JsonNode r = tiny(dir, "shared");
        assertThat(r.get("mode").asText()).isEqualTo("shared");
        assertThat(r.get("chains").asInt()).isEqualTo(20);
        assertThat(r.get("degree").asInt()).isEqualTo(2);
        assertThat(r.get("peers").asInt()).isEqualTo(3);
        assertThat(r.get("all_at_degree").asBoolean()).isTrue();
        assertThat(r.get("messages_lost").asLong()).isZero();
        assertThat(r.get("logical_connections").asInt()).as("20 chains x 2 + the small-message network's 2")
                .isEqualTo(42);
        assertThat(r.get("tcp_connections").asInt()).as("one per peer used").isBetween(2, 3);
        for (String field : new String[] {"fds", "heap_after_gc_bytes", "heap_per_logical_bytes", "rss_bytes",
                "idle_cpu_percent", "idle_cpu_percent_whole_phase", "form_seconds", "heal_seconds", "catchup_mb_per_s", "direct_bytes", "threads"}) {
            assertThat(r.get(field).isNumber()).as(field).isTrue();
        }
        assertThat(r.get("small_msg_p99_ms").has("catchup")).isTrue();
        assertThat(r.get("small_msg_p99_ms").has("heal")).isTrue();
        assertThat(r.get("sessions_failed_by_reason").isObject()).isTrue();
        assertThat(r.get("sessions_failed_unexplained").size()).isZero();
        assertThat(r.get("catchup_bytes").asLong()).as("every chain fetched whole after the restart")
                .isGreaterThanOrEqualTo(20L * 5 * 1024);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void unsharedGivesEveryStreamItsOwnTcpConnection(@TempDir Path dir) throws Exception {
        JsonNode r = tiny(dir, "unshared");
        assertThat(r.get("mode").asText()).isEqualTo("unshared");
        assertThat(r.get("tcp_connections").asInt()).isEqualTo(r.get("logical_connections").asInt()).isEqualTo(42);
        assertThat(r.get("handshakes_to_heal").asInt()).as("a handshake per stream to re-form")
                .isGreaterThanOrEqualTo(42);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--degree=4  | --degree must be at most --peers (3), got 4",
            "--mode=both | --mode must be shared or unshared, got both",
            "--chains=0  | --chains must be in [1, 10000], got 0",
    })
    void badOptionsGiveOneLineErrors(String option, String message) {
        int code = run("bench", "scale", "--peers=3", option);
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: " + message);
    }
}
