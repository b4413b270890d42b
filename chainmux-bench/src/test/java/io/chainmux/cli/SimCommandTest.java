package io.chainmux.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class SimCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = BenchMain.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void simulatesWritesJsonAndChartAndMergesThemBack(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("sim.json");
        assertThat(run("bench", "sim", "--nodes", "30", "--chains", "4,8", "--degree", "3", "--rules",
                "independent,cap6", "--scenarios", "static,exchange", "--json", json.toString())).isZero();

        assertThat(out.toString()).contains("independent", "cap6", "static", "exchange");
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.get("results")).hasSize(8);
        JsonNode first = root.get("results").get(0);
        assertThat(first.get("distinct_peers").get("p90").asDouble()).isPositive();
        assertThat(first.get("sampled").asBoolean()).isFalse();
        assertThat(Files.readString(dir.resolve("sim.svg"))).contains("distinct TCP peers per node");

        out.getBuffer().setLength(0);
        Path merged = dir.resolve("merged.json");
        assertThat(run("bench", "sim", "--merge", json.toString(), "--json", merged.toString())).isZero();
        assertThat(new ObjectMapper().readTree(merged.toFile()).get("results")).hasSize(8);
        assertThat(Files.exists(dir.resolve("merged.svg"))).isTrue();
    }

    @Test
    void badOptionsFailBeforeRunning(@TempDir Path dir) throws Exception {
        assertThat(run("bench", "sim", "--rules", "nearest")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown rule 'nearest'");
        assertThat(run("bench", "sim", "--scenarios", "mesh")).isEqualTo(2);
        assertThat(run("bench", "sim", "--nodes", "1")).isEqualTo(2);
        Path notSim = dir.resolve("other.json");
        Files.writeString(notSim, "{\"bulk_ratio\": 0.9}");
        assertThat(run("bench", "sim", "--merge", notSim.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--merge: not the JSON of bench sim");
        assertThat(err.toString()).doesNotContain("[1/"); // no cell started
    }

    @Test
    void helpNamesRulesAndScenarios() {
        assertThat(run("bench", "sim", "--help")).isZero();
        assertThat(out.toString()).contains("--quick", "--json", "--chart", "--merge", "cap", "exchange");
    }
}
