package io.chainmux.node;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeConfigFileTest {
    @Test
    void theDocumentedExampleLoads() {
        NodeConfigFile c = NodeConfigFile.load(Path.of("..", "docs", "node-example.yaml"));
        assertThat(c.listen()).isEqualTo("127.0.0.1:7000");
        assertThat(c.tls()).isTrue();
        assertThat(c.stripes()).isEqualTo(2);
        assertThat(c.chains().names()).hasSize(20).startsWith("0", "1");
        assertThat(c.network().sessionTimeout()).isEqualTo(Duration.ofSeconds(240));
        assertThat(c.bootstrap()).as("dials nobody it does not know").isEmpty();
        assertThat(c.metrics()).as("not node_exporter's 9100").isEqualTo("127.0.0.1:7070");
        assertThat(c.identity()).as("not in /var/lib, not in the current directory")
                .isEqualTo(Path.of(NodeConfigFile.defaultDataDir(), "node.key").toString());
        assertThat(c.limits().idleTimeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void onlyListenIsRequiredAndEverythingElseDefaults() {
        NodeConfigFile c = NodeConfigFile.parse("listen: 127.0.0.1:7000\n", "t");
        assertThat(c.stripes()).isEqualTo(1);
        assertThat(c.tls()).isFalse();
        assertThat(c.network().degree()).isEqualTo(8);
        assertThat(c.limits().maxInboundPerIp()).isEqualTo(64);
        assertThat(c.chains().names()).containsExactly("0");
    }

    @Test
    void hostilePeerLimitsAreSettable() {
        NodeConfigFile c = NodeConfigFile.parse("listen: 127.0.0.1:7000\nlimits:\n  writeTimeout: 5s\n"
                + "  messageTimeout: 2m\n  handshakeRate: 4\n  limitLoopback: true\n  maxPeers: 100\n  maxStartsInFlight: 8\n"
                + "  abuseBudgetPerAddress: 2\n", "t");
        assertThat(c.limits().writeTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.limits().messageTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.limits().handshakeRate()).isEqualTo(4);
        assertThat(c.limits().limitLoopback()).isTrue();
        assertThat(c.limits().maxPeers()).isEqualTo(100);
        assertThat(c.limits().maxStartsInFlight()).isEqualTo(8);
        assertThat(c.limits().abuseBudgetPerAddress()).isEqualTo(2);
        NodeConfigFile d = NodeConfigFile.parse("listen: 127.0.0.1:7000\n", "t");
        assertThat(d.limits().writeTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(d.limits().limitLoopback()).isFalse();
        assertThat(d.limits().abuseBudgetPerAddress()).isEqualTo(4);
        assertThatThrownBy(() -> NodeConfigFile.parse("listen: 127.0.0.1:7000\nlimits:\n  abuseBudgetPerAddress: 0\n",
                "t")).hasMessage("limits.abuseBudgetPerAddress: must be in [1, 1000000], was 0");
        assertThatThrownBy(() -> NodeConfigFile.parse("listen: 127.0.0.1:7000\nlimits:\n  maxPeers: 0\n", "t"))
                .hasMessage("limits.maxPeers: must be >= 1, was 0");
        assertThat(d.limits().maxStartsInFlight()).isEqualTo(64);
        assertThatThrownBy(() -> NodeConfigFile.parse("listen: 127.0.0.1:7000\nlimits:\n  maxStartsInFlight: 0\n", "t"))
                .hasMessage("limits.maxStartsInFlight: must be >= 1, was 0");
    }

    @Test
    void errorsNameTheKeyAndTheProblem() {
        assertThatThrownBy(() -> NodeConfigFile.parse("stripes: 2\n", "t")).hasMessage("listen: is required (HOST:PORT)");
        assertThatThrownBy(() -> NodeConfigFile.parse("listen: 127.0.0.1:7000\nnetwork:\n  degre: 3\n", "t"))
                .hasMessageStartingWith("network.degre: unknown key (known here:").hasMessageContaining("degree");
        assertThatThrownBy(() -> NodeConfigFile.parse("listen: 127.0.0.1:7000\nnetwork:\n  degree: 0\n", "t"))
                .hasMessage("network.degree: must be in [1, 64], was 0");
        assertThatThrownBy(() -> NodeConfigFile.parse("listen: 127.0.0.1:7000\nlimits:\n  idleTimeout: soon\n", "t"))
                .hasMessageStartingWith("limits.idleTimeout:").hasMessageContaining("not a duration");
        assertThatThrownBy(() -> NodeConfigFile.parse("listen: nowhere\n", "t"))
                .hasMessageStartingWith("listen: bad address 'nowhere'");
        assertThatThrownBy(() -> NodeConfigFile.parse("listen: 127.0.0.1:7000\nstripes: many\n", "t"))
                .hasMessageStartingWith("stripes:");
        assertThatThrownBy(() -> NodeConfigFile.parse("listen: \"unclosed\n", "t"))
                .hasMessageStartingWith("t: is not valid YAML at line 2, column 1: ");
        assertThatThrownBy(() -> NodeConfigFile.parse("listen: 127.0.0.1:7000\n  stripes: 2\n bad", "t"))
                .hasMessageStartingWith("t: is not valid YAML at line 2, column");
        assertThatThrownBy(() -> NodeConfigFile.parse("listen: 127.0.0.1:7000\nstripes: many\n", "t"))
                .hasMessage("stripes: expected a whole number, got 'many'");
        assertThatThrownBy(() -> NodeConfigFile.parse("listen: 127.0.0.1:7000\nchains: 20\n", "t"))
                .hasMessage("chains: expected a mapping with the keys count, ids");
        assertThatThrownBy(() -> NodeConfigFile.parse("listen: 127.0.0.1:7000\ntls: maybe\n", "t"))
                .hasMessage("tls: expected true or false, got 'maybe'");
        assertThatThrownBy(() -> NodeConfigFile.load(Path.of("/nonexistent/x.yaml")))
                .hasMessage("/nonexistent/x.yaml: no such file");
        assertThatThrownBy(() -> NodeConfigFile.parse("listen: 127.0.0.1:7000\nbootstrap: [\"a:1\"]\n", "t"))
                .hasMessageStartingWith("bootstrap[0]: needs the peer id");
    }

    @Test
    void overridesReplaceFileValuesAndAreValidatedUnderTheirKey() {
        NodeConfigFile c = NodeConfigFile.load(Path.of("..", "docs", "node-example.yaml"),
                java.util.Map.of("network.degree", 3, "listen", "127.0.0.1:0", "tls", false));
        assertThat(c.network().degree()).isEqualTo(3);
        assertThat(c.network().maxInbound()).as("untouched file value").isEqualTo(16);
        assertThat(c.tls()).isFalse();
        assertThatThrownBy(() -> NodeConfigFile.load(null, java.util.Map.of("listen", "127.0.0.1:0", "stripes", 0)))
                .hasMessage("stripes: must be in [1, 255], was 0");
    }

    @Test
    void durationsReadLikeOperatorsWriteThem() {
        assertThat(NodeConfigFile.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(NodeConfigFile.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(NodeConfigFile.parseDuration("PT2S")).isEqualTo(Duration.ofSeconds(2));
    }
}
