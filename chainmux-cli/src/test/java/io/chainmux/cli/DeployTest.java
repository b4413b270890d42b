package io.chainmux.cli;

import io.chainmux.node.NodeConfigFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** What deploy/ and bin/ ship: the systemd unit, the container's config, the testbed, bin/chainmux. */
class DeployTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    record Run(int code, String output) {}

    static Run run(List<String> cmd, Map<String, String> env, long seconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes(); // until the process closes its output
        assertThat(p.waitFor(seconds, TimeUnit.SECONDS)).as("%s ends", cmd).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void theSystemdUnitVerifies() throws Exception {
        String unit = Files.readString(ROOT.resolve("deploy/chainmux.service"));
        assertThat(unit).contains("SuccessExitStatus=143", "LimitNOFILE=", "StateDirectory=chainmux",
                "Environment=CHAINMUX_DATA_DIR=/var/lib/chainmux", "RestartPreventExitStatus=2", "User=chainmux");
        Assumptions.assumeTrue(DissectorTest.onPath("systemd-analyze"),
                "systemd-analyze is not installed: the unit's syntax check is skipped");
        Run r = run(List.of("systemd-analyze", "verify", ROOT.resolve("deploy/chainmux.service").toString()),
                Map.of(), 60);
        assertThat(r.output()).as("systemd-analyze verify").doesNotContain("Unknown", "bad", "Invalid", "Failed to parse");
    }

    @Test
    void theContainersConfigIsValidAndKeepsDataInTheVolume() {
        NodeConfigFile c = NodeConfigFile.load(ROOT.resolve("deploy/container/etc/chainmux/node.yaml"),
                Map.of("dataDir", "/var/lib/chainmux"));
        assertThat(c.listen()).isEqualTo("0.0.0.0:7000");
        assertThat(c.identity()).isEqualTo("/var/lib/chainmux/node.key");
        assertThat(c.peerDb()).isEqualTo("/var/lib/chainmux/peers.db");
    }

    /** The testbed needs root and network namespaces; elsewhere it says why and the test is skipped. */
    @Test
    void theTestbedSyncsNodesInTheirOwnNamespacesAndCleansUp() throws Exception {
        Path script = ROOT.resolve("deploy/testbed.sh");
        Run check = run(List.of(script.toString(), "--check"), Map.of(), 60);
        Assumptions.assumeTrue(check.code() == 0, "testbed skipped: " + check.output().trim());
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cmd = javaBin + " -Xmx256m -cp " + System.getProperty("java.class.path") + " " + Main.class.getName();
        assertThat(System.getProperty("java.class.path")).as("CHAINMUX_CMD splits on spaces").doesNotContain(" ");
        Run r = run(List.of(script.toString(), "--nodes", "3", "--chains", "2", "--blocks", "100", "--rate", "20mbit",
                "--timeout", "120"), Map.of("CHAINMUX_CMD", cmd), 300);
        assertThat(r.code()).as("testbed:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("nodes 2-3 hold all 2 chains x 100 blocks after");
        // Only this run's names: another build on the machine may run its own testbed meanwhile.
        java.util.regex.Matcher bridge = java.util.regex.Pattern.compile("on bridge (cmtb\\d+)br").matcher(r.output());
        assertThat(bridge.find()).as("the testbed names its bridge:%n%s", r.output()).isTrue();
        String tag = bridge.group(1);
        Run netns = run(List.of("ip", "netns", "list"), Map.of(), 30);
        assertThat(netns.output()).as("namespaces torn down").doesNotContain(tag);
        Run links = run(List.of("ip", "-o", "link", "show"), Map.of(), 30);
        assertThat(links.output()).as("bridge and veths torn down").doesNotContain(tag);
    }

    /** bin/chainmux used to run whatever jar was there, even one older than the sources. */
    @Test
    void binChainmuxRebuildsWhenASourceIsNewerThanTheJar(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("checkout");
        Files.createDirectories(root.resolve("bin"));
        Files.copy(ROOT.resolve("bin/chainmux"), root.resolve("bin/chainmux"));
        Path src = root.resolve("chainmux-core/src/main/java/X.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "class X {}");
        Path jar = root.resolve("chainmux-cli/target/chainmux.jar");
        Files.createDirectories(jar.getParent());
        Files.writeString(jar, "not really a jar");
        // stand-ins: `mvn` records that it ran and "builds" the jar; `java` prints what it was asked to run
        Path tools = dir.resolve("tools");
        Files.createDirectories(tools);
        Path log = dir.resolve("mvn.log");
        script(tools.resolve("mvn"), "echo built >> '" + log + "'; touch '" + jar + "'");
        script(tools.resolve("java"), "echo \"java $*\"");
        Map<String, String> env = Map.of("PATH", tools + ":/usr/bin:/bin");
        List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/chainmux").toString(), "--version"));

        Files.setLastModifiedTime(src, FileTime.from(Files.getLastModifiedTime(jar).toInstant().minusSeconds(60)));
        Run fresh = run(cmd, env, 60);
        assertThat(fresh.output()).contains("java -jar " + jar + " --version");
        assertThat(log).as("a jar newer than every source is used as is").doesNotExist();

        Files.setLastModifiedTime(src, FileTime.from(Files.getLastModifiedTime(jar).toInstant().plusSeconds(60)));
        Run stale = run(cmd, env, 60);
        assertThat(stale.output()).contains("sources changed since", "java -jar " + jar + " --version");
        assertThat(Files.readString(log)).isEqualTo("built\n");
    }

    /** `bin/chainmux bench ...` runs the bench jar (the node's jar has no benchmarks), rebuilt when stale too. */
    @Test
    void binChainmuxBenchRunsTheBenchJarAndRebuildsItWhenStale(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("checkout");
        Files.createDirectories(root.resolve("bin"));
        Files.copy(ROOT.resolve("bin/chainmux"), root.resolve("bin/chainmux"));
        Path src = root.resolve("chainmux-bench/src/main/java/X.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "class X {}");
        Path nodeJar = root.resolve("chainmux-cli/target/chainmux.jar");
        Path benchJar = root.resolve("chainmux-bench/target/chainmux-bench.jar");
        for (Path jar : List.of(nodeJar, benchJar)) {
            Files.createDirectories(jar.getParent());
            Files.writeString(jar, "not really a jar");
        }
        Path tools = dir.resolve("tools");
        Files.createDirectories(tools);
        Path log = dir.resolve("mvn.log");
        script(tools.resolve("mvn"), "echo built >> '" + log + "'; touch '" + nodeJar + "' '" + benchJar + "'");
        script(tools.resolve("java"), "echo \"java $*\"");
        Map<String, String> env = Map.of("PATH", tools + ":/usr/bin:/bin");
        List<String> bench = List.of(root.resolve("bin/chainmux").toString(), "bench", "mux", "--help");
        List<String> node = List.of(root.resolve("bin/chainmux").toString(), "node", "--help");

        Files.setLastModifiedTime(src, FileTime.from(Files.getLastModifiedTime(benchJar).toInstant().minusSeconds(60)));
        assertThat(run(bench, env, 60).output()).contains("java -jar " + benchJar + " bench mux --help");
        assertThat(run(node, env, 60).output()).contains("-jar " + nodeJar + " node --help");
        assertThat(log).as("jars newer than every source are used as they are").doesNotExist();

        Files.setLastModifiedTime(src, FileTime.from(Files.getLastModifiedTime(benchJar).toInstant().plusSeconds(60)));
        Run stale = run(bench, env, 60);
        assertThat(stale.output()).contains("sources changed since " + benchJar, "java -jar " + benchJar + " bench mux --help");
        assertThat(Files.readString(log)).isEqualTo("built\n");
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
