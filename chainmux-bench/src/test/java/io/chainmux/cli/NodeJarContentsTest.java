package io.chainmux.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node's jar as built (chainmux-cli/target/chainmux.jar, packaged before this module in the reactor)
 * holds no benchmark-only class: no gRPC, no Netty HTTP/2, no JMH, no benchmark harness.
 */
class NodeJarContentsTest {
    static final Path NODE_JAR = Path.of("..", "chainmux-cli", "target", "chainmux.jar").toAbsolutePath().normalize();
    static final List<String> BENCHMARK_ONLY = List.of("io/grpc/", "io/netty/handler/codec/http2/", "org/openjdk/jmh/",
            "io/chainmux/bench/", "io/chainmux/cli/BenchCommand", "io/chainmux/cli/BenchMain");
    /** The SVG chart package keeps its name but lives in the node's module: the demo draws with it. */
    static final String CHARTS = "io/chainmux/bench/chart/";

    @Test
    void theNodeJarHasNoBenchmarkOnlyClass() throws IOException {
        Assumptions.assumeTrue(Files.isRegularFile(NODE_JAR),
                "skipped: " + NODE_JAR + " is not built (run the reactor: mvn -B verify)");
        try (JarFile jar = new JarFile(NODE_JAR.toFile())) {
            List<String> names = jar.stream().map(ZipEntry::getName).toList();
            assertThat(names).as("the node's own classes and Netty are there")
                    .contains("io/chainmux/cli/Main.class", "io/netty/channel/Channel.class");
            assertThat(names).filteredOn(n -> !n.endsWith("/") && !n.startsWith(CHARTS) && BENCHMARK_ONLY.stream().anyMatch(n::startsWith))
                    .isEmpty();
        }
    }
}
