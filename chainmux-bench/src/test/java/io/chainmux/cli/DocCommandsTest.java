package io.chainmux.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every command in README.md and docs/*.md ({@code sh} blocks) runs as written, with smaller sizes
 * and free ports substituted where the documented ones would take minutes or collide (the table
 * below, reviewed like code). A command this test does not know fails it: add it to the table.
 * It lives in chainmux-bench, the one module that has every command (the node's and the benchmarks).
 */
class DocCommandsTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** The documented ports: a node's P2P and its admin (metrics) address. */
    static final int DOC_P2P_PORT = 7000;
    static final int DOC_ADMIN_PORT = 7070;

    /**
     * Reviewed substitutions, per command: option values that make a documented run take seconds,
     * not minutes. Options not listed run as written.
     */
    static final Map<String, Map<String, String>> SMALLER = Map.of(
            "demo", Map.of("--chains", "4", "--blocks", "200", "--warmup", "0.5", "--tail", "0.5"),
            // a warm-up of 0.8 s: a shorter one delivered nothing on a loaded machine (as in MainTest)
            // and a measurement of 1 s: HTTP/2 and gRPC stalled for 500 ms at a load of 20 on 2 cores
            "bench mux", Map.of("--warmup-seconds", "1", "--seconds", "1", "--rounds", "1"),
            // --chains and --stalled size the fairness scenario only (100 and 999 chains take minutes)
            "bench compare", Map.of("--warmup-seconds", "1", "--seconds", "1", "--rounds", "1", "--chains", "10",
                    "--stalled", "50"),
            "bench endpoint", Map.of("--warmup-seconds", "1", "--seconds", "1", "--rounds", "1"), // whole seconds
            // the simulation's grid (up to 10,000 nodes x 1000 chains) at a size of seconds
            "bench sim", Map.of("--nodes", "40", "--chains", "10", "--rotation-budget", "2000"),
            // one node at 1000 x 8 against 16 peers through five phases takes minutes: 20 x 2 against 3, seconds
            "bench scale", Map.of("--chains", "20", "--degree", "2", "--peers", "3", "--idle-seconds", "2",
                    "--steady-seconds", "2", "--block-interval", "1", "--catchup-blocks", "5"));
    /**
     * Over a delayed path (100 ms round trips) a comparison's streams need several round trips to get
     * going; the placement bench's path (10 ms) does with its own whole-second warm-up.
     */
    static final Map<String, String> DELAYED_PATH = Map.of("--warmup-seconds", "1.5", "--seconds", "1");
    /**
     * Commands not run here, and why: the build and test commands are what CI runs anyway ({@code mvn
     * -B verify} is CI's command; the others re-run one test class with other sizes, or build the
     * container image, which needs the base image from a registry); DeployTest runs the testbed (as
     * root); DissectorTest runs tshark with the dissector on a capture it makes; Wireshark is a GUI.
     */
    static final List<String> NOT_RUN_PREFIXES = List.of("mvn ", "sudo deploy/testbed.sh ",
            "tshark -X lua_script:tools/chainmux.lua ", "wireshark ");

    record DocCommand(String file, int line, String text) {
        List<String> args() {
            return new ArrayList<>(List.of(text.substring("bin/chainmux ".length()).trim().split("\\s+")));
        }

        String command() {
            List<String> a = args();
            return a.get(0).equals("bench") ? "bench " + a.get(1) : a.get(0);
        }

        @Override
        public String toString() {
            return file + ":" + line + " " + text;
        }
    }

    @TempDir
    static Path tmp;
    static Process fixtureNode;
    static final Map<Integer, Integer> FIXTURE_PORTS = new HashMap<>();

    /** The commands of every sh block, comments cut, in document order. */
    static List<DocCommand> commands() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        List<DocCommand> all = new ArrayList<>();
        for (Path f : files) {
            boolean inSh = false;
            List<String> lines = Files.readAllLines(f);
            boolean inBlock = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).trim(); // fences and commands may be indented in a list item
                if (line.startsWith("```")) {
                    inSh = !inBlock && (line.equals("```sh") || line.equals("```bash") || line.equals("```shell"));
                    inBlock = !inBlock;
                    continue;
                }
                String cmd = line.replaceAll("(^|\\s+)#.*$", "").trim();
                // in a shell block every line is a command; in any other block, lines that run bin/chainmux
                boolean command = inSh || (inBlock && cmd.startsWith("bin/chainmux "));
                if (command && !cmd.isEmpty()) {
                    all.add(new DocCommand(ROOT.relativize(f).toString(), i + 1, cmd));
                }
            }
        }
        return all;
    }

    @Test
    void everyDocumentedCommandIsOneThisTestRuns() throws IOException {
        List<DocCommand> all = commands();
        assertThat(all).hasSizeGreaterThan(20);
        for (DocCommand c : all) {
            boolean known = c.text().startsWith("bin/chainmux ") || NOT_RUN_PREFIXES.stream().anyMatch(c.text()::startsWith);
            assertThat(known).as("%s: not a bin/chainmux command; run it here or list it as not run", c).isTrue();
        }
    }

    @BeforeAll
    static void startTheDocumentedNode() throws Exception {
        // The README's flags-only node: `ping` and `peers` are documented against it.
        DocCommand flagsOnly = commands().stream().filter(c -> c.command().equals("node") && c.text().contains("--listen"))
                .findFirst().orElseThrow(() -> new AssertionError("README has no flags-only node command"));
        FIXTURE_PORTS.put(DOC_P2P_PORT, freePort());
        FIXTURE_PORTS.put(DOC_ADMIN_PORT, freePort());
        fixtureNode = startNode(ports(flagsOnly.args(), FIXTURE_PORTS), tmp.resolve("fixture")).process();
    }

    @AfterAll
    static void stopTheNode() throws Exception {
        if (fixtureNode != null) {
            fixtureNode.destroy();
            fixtureNode.waitFor(30, TimeUnit.SECONDS);
            fixtureNode.destroyForcibly();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyCommandInReadmeAndDocsRuns() throws IOException {
        Set<String> shapes = new HashSet<>();
        return commands().stream().filter(c -> c.text().startsWith("bin/chainmux "))
                .filter(c -> c.command().equals("bench sim") || shapes.add(shape(c)))
                .map(c -> DynamicTest.dynamicTest(c.toString(), () -> run(c)));
    }

    /** Options that only name where a command writes its report. */
    static final List<String> REPORT_OPTIONS = List.of("--json", "--chart");

    /**
     * A command without its report files: each figures section in PERFORMANCE.md repeats the same
     * benchmark commands with its own results directory, and a command that differs from an earlier one
     * only there runs the same code, so it runs once. Every {@code bench sim} runs: a later
     * {@code --merge} reads what each wrote.
     */
    static String shape(DocCommand c) {
        List<String> a = c.args();
        StringBuilder shape = new StringBuilder();
        for (int i = 0; i < a.size(); i++) {
            if (REPORT_OPTIONS.contains(a.get(i))) {
                i++; // and its file
                continue;
            }
            shape.append(a.get(i)).append(' ');
        }
        return shape.toString().trim();
    }

    @Test
    void aCommandThatDiffersOnlyInItsReportFilesHasTheSameShape() {
        DocCommand a = new DocCommand("a.md", 1, "bin/chainmux bench mux --rounds 5 --json x/bench-mux.json");
        DocCommand b = new DocCommand("b.md", 9, "bin/chainmux bench mux --rounds 5 --json y/bench-mux.json --chart y/c.svg");
        DocCommand c = new DocCommand("a.md", 2, "bin/chainmux bench mux --rounds 3 --json x/bench-mux.json");
        assertThat(shape(a)).isEqualTo(shape(b)).isEqualTo("bench mux --rounds 5");
        assertThat(shape(c)).isNotEqualTo(shape(a));
    }

    private void run(DocCommand c) throws Exception {
        List<String> args = c.args();
        // one directory per document: a command may read what an earlier one in it wrote (bench sim --merge)
        Path work = tmp.resolve("doc-" + c.file().replaceAll("[^A-Za-z0-9]", "-"));
        Files.createDirectories(work);
        Map<String, String> smaller = args.contains("--merge") ? null : SMALLER.get(c.command()); // merging runs nothing
        if (smaller != null) {
            args = replace(args, smaller);
            if (args.contains("--path-delay-ms") && c.command().equals("bench compare")) {
                args = replace(args, DELAYED_PATH);
            }
        }
        args = outputsUnder(args, work);
        if (c.command().equals("node")) {
            // every port it names, and the documented ones its config file may name, become free ones
            Map<Integer, Integer> own = new HashMap<>(Map.of(DOC_P2P_PORT, freePort(), DOC_ADMIN_PORT, freePort()));
            Matcher port = Pattern.compile(":(\\d{2,5})\\b").matcher(String.join(" ", args));
            while (port.find()) {
                own.putIfAbsent(Integer.parseInt(port.group(1)), freePort());
            }
            args = ports(configCopy(args, work, own), own);
            RunningNode n = startNode(args, work);
            // SIGTERM, the documented way to stop it (Process.destroy() would close our end of its output first)
            new ProcessBuilder("kill", "-TERM", Long.toString(n.process().pid())).start().waitFor(10, TimeUnit.SECONDS);
            assertThat(n.process().waitFor(60, TimeUnit.SECONDS)).as("%s stops on SIGTERM", c).isTrue();
            n.reader().join(TimeUnit.SECONDS.toMillis(10));
            assertThat(n.output().toString()).as("%s", c).contains("peer address: cm", "stopped");
            return;
        }
        args = ports(args, FIXTURE_PORTS);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // as bin/chainmux does: `bench ...` from the bench jar (BenchMain), everything else from the node's jar (Main)
        CommandLine cl = args.get(0).equals("bench") ? BenchMain.newCommandLine() : Main.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args.toArray(String[]::new));
        // A contender that delivers nothing in a whole measurement (HTTP/2 and gRPC at 1000 streams stall
        // for seconds on 2 busy cores) says nothing about the command: skipped, and saying why, not passed.
        Assumptions.assumeFalse(c.command().startsWith("bench ") && code == Main.EXIT_FAILURE
                && err.toString().contains("delivered no message in the measured"),
                () -> c + ": a benchmark measurement starved on this loaded machine: " + err.toString().trim());
        assertThat(code).as("%s exits 0; ran %s%nstdout:%n%s%nstderr:%n%s", c, args, out, err).isZero();
        assertThat(out.toString()).as("%s prints its results", c).isNotBlank();
    }

    /** Sets each listed option to its value, appending it if the command does not give it. */
    static List<String> replace(List<String> args, Map<String, String> values) {
        List<String> a = new ArrayList<>(args);
        for (Map.Entry<String, String> v : values.entrySet()) {
            int at = a.indexOf(v.getKey());
            if (at >= 0) {
                a.set(at + 1, v.getValue());
            } else {
                a.add(v.getKey());
                a.add(v.getValue());
            }
        }
        return a;
    }

    /** Options naming a file a command writes: relative ones land under the run's own directory. */
    static final List<String> FILE_OPTIONS = List.of("--json", "--chart", "--identity", "--peer-db", "--data-dir");

    /** Output files (--json, --chart, a node's files) land under the run's own directory, at the documented path. */
    static List<String> outputsUnder(List<String> args, Path work) throws IOException {
        List<String> a = new ArrayList<>(args);
        for (int i = 0; i < a.size() - 1; i++) {
            if (a.get(i).equals("--merge")) { // files an earlier command of the document wrote
                List<String> in = new ArrayList<>();
                for (String f : a.get(i + 1).split(",")) {
                    in.add(Path.of(f).isAbsolute() ? f : work.resolve(f).toString());
                }
                a.set(i + 1, String.join(",", in));
            }
            if (FILE_OPTIONS.contains(a.get(i)) && !Path.of(a.get(i + 1)).isAbsolute()) {
                Path out = work.resolve(a.get(i + 1));
                Files.createDirectories(out.getParent());
                a.set(i + 1, out.toString());
            }
        }
        return a;
    }

    /** The documented ports, replaced by free ones wherever they appear (HOST:PORT arguments). */
    static List<String> ports(List<String> args, Map<Integer, Integer> ports) {
        List<String> a = new ArrayList<>();
        for (String s : args) {
            for (Map.Entry<Integer, Integer> p : ports.entrySet()) {
                s = s.replaceAll(":" + p.getKey() + "\\b", ":" + p.getValue());
            }
            a.add(s);
        }
        return a;
    }

    /** {@code --config FILE}: a copy with the documented ports replaced; relative paths resolve from the root. */
    static List<String> configCopy(List<String> args, Path work, Map<Integer, Integer> ports) throws IOException {
        List<String> a = new ArrayList<>(args);
        int at = a.indexOf("--config");
        if (at >= 0) {
            String yaml = Files.readString(ROOT.resolve(a.get(at + 1)));
            for (Map.Entry<Integer, Integer> p : ports.entrySet()) {
                yaml = yaml.replaceAll(":" + p.getKey() + "\\b", ":" + p.getValue());
            }
            Path copy = work.resolve("node.yaml");
            Files.writeString(copy, yaml);
            a.set(at + 1, copy.toString());
        }
        return a;
    }

    record RunningNode(Process process, Thread reader, StringBuilder output) {}

    /**
     * Starts {@code chainmux ARGS} (a node) as its own process with its data directory under
     * {@code dataDir}, and returns once it printed its peer address.
     */
    static RunningNode startNode(List<String> args, Path dataDir) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("CHAINMUX_DATA_DIR", dataDir.resolve("data").toString());
        Process p = pb.start();
        StringBuilder output = new StringBuilder();
        CompletableFuture<Void> up = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    if (line.startsWith("peer address: ")) {
                        up.complete(null);
                    }
                }
            } catch (IOException e) {
                up.completeExceptionally(e);
            }
            up.completeExceptionally(new AssertionError("the node exited before it was up:\n" + output));
        });
        reader.start();
        try {
            up.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new AssertionError("node " + args + " did not come up: " + output, e);
        }
        return new RunningNode(p, reader, output);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void substitutionsReplaceValuesAndPortsOnly() {
        assertThat(replace(List.of("demo", "--chains", "20", "--json", "d.json"), new LinkedHashMap<>(Map.of("--chains", "4"))))
                .containsExactly("demo", "--chains", "4", "--json", "d.json");
        assertThat(ports(List.of("ping", "127.0.0.1:7000", "--count", "3"), Map.of(7000, 24555)))
                .containsExactly("ping", "127.0.0.1:24555", "--count", "3");
        assertThat(ports(List.of("127.0.0.1:70001"), Map.of(7000, 1))).containsExactly("127.0.0.1:70001");
        Matcher m = Pattern.compile("\\s+#.*$").matcher("bin/chainmux demo   # a comment");
        assertThat(m.replaceAll("")).isEqualTo("bin/chainmux demo");
    }
}
