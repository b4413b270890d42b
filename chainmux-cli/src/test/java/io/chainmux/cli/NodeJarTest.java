package io.chainmux.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node's jar (this module and its runtime dependencies) carries no benchmark-only dependency: gRPC,
 * Netty's HTTP/2 codec, JMH and the benchmark harness are in chainmux-bench.jar. (The build's enforcer rule
 * checks the dependency tree; chainmux-bench's NodeJarContentsTest checks the built jar.)
 */
class NodeJarTest {
    @ParameterizedTest
    @ValueSource(strings = {"io.grpc.ManagedChannel", "io.grpc.netty.shaded.io.netty.channel.Channel",
            "io.netty.handler.codec.http2.Http2FrameCodec", "org.openjdk.jmh.Main", "io.chainmux.bench.Report",
            "io.chainmux.cli.BenchCommand"})
    void aBenchmarkOnlyClassIsNotOnTheNodesClasspath(String name) {
        assertThat(getClass().getClassLoader().getResource(name.replace('.', '/') + ".class")).as(name).isNull();
    }

    /** The look-up above finds what is there: the node's own classes and Netty's. */
    @Test
    void theLookUpFindsClassesThatAreThere() {
        for (String name : new String[] {"io.chainmux.cli.Main", "io.netty.channel.Channel", "io.chainmux.bench.chart.LineChart"}) {
            assertThat(getClass().getClassLoader().getResource(name.replace('.', '/') + ".class")).as(name).isNotNull();
        }
    }
}
