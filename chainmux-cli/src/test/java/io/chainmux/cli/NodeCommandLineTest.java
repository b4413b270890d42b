package io.chainmux.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The node's jar: its commands, and {@code bench}, which only points at chainmux-bench.jar. */
class NodeCommandLineTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(CommandLine cl, String... args) {
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void missingSubcommandIsAnError() {
        assertThat(run(Main.newCommandLine())).isEqualTo(2);
        assertThat(err.toString()).contains("missing command");
    }

    @Test
    void helpListsEveryCommand() {
        assertThat(run(Main.newCommandLine(), "--help")).isZero();
        assertThat(out.toString()).contains("demo", "node", "ping", "peers", "bench", "--help", "--version", "--log-level");
    }

    /** The node's jar has no benchmarks: `bench` says, in one line, how to run them, before any work. */
    @Test
    void benchInTheNodeJarNamesTheCommandThatRunsIt() {
        assertThat(run(Main.newCommandLine(), "bench", "mux", "--seconds", "1")).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString()
                .contains("run 'bin/chainmux bench mux --seconds 1'", BenchElsewhere.BENCH_JAR);
        err.getBuffer().setLength(0);
        assertThat(run(Main.newCommandLine(), "bench")).isEqualTo(2);
        assertThat(err.toString()).contains("run 'bin/chainmux bench' (");
    }

    @Test
    void chartDefaultsNextToTheJsonFile(@TempDir Path dir) {
        CommandLine cl = Main.newCommandLine();
        assertThat(ChartOption.resolve(cl, null, null)).isNull();
        assertThat(ChartOption.resolve(cl, null, dir.resolve("results.json"))).isEqualTo(dir.resolve("results.svg"));
        assertThat(ChartOption.resolve(cl, null, Path.of("results"))).isEqualTo(Path.of("results.svg"));
        assertThat(ChartOption.resolve(cl, Path.of("c.svg"), Path.of("r.json"))).isEqualTo(Path.of("c.svg"));
    }

    /** An output path was checked only after the run: a minute of demo, then "no such directory". */
    @Test
    void aBadOutputPathIsRejectedBeforeTheDemoStarts() {
        long start = System.nanoTime();
        assertThat(run(Main.newCommandLine(), "demo", "--json", "/nonexistent/x.json")).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString()
                .startsWith("error: --json: directory /nonexistent does not exist");
        assertThat(System.nanoTime() - start).as("no run before the check").isLessThan(TimeUnit.SECONDS.toNanos(5));
    }
}
