package io.chainmux.cli;

import io.chainmux.endpoint.Endpoint;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.EndpointListener;
import io.chainmux.endpoint.identity.NodeIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code chainmux ping} against a real endpoint on loopback. */
class PingCommandTest {
    private final NodeIdentity identity = NodeIdentity.generate();
    private Endpoint node;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void startNode() {
        node = Endpoint.start(EndpointConfig.builder(identity).listen("127.0.0.1:0").ioThreads(1)
                .shutdownGrace(Duration.ofMillis(200)).build(), new EndpointListener() {});
    }

    @AfterEach
    void stopNode() {
        node.close();
    }

    private int run(String... args) {
        CommandLine cl = Main.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private String target() {
        return "127.0.0.1:" + node.localAddress().getPort();
    }

    @Test
    void printsThePeerVersionTransportAndRoundTrips() {
        int code = run("ping", target(), "--count", "2", "--interval-ms", "0");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("peer id   " + identity.peerId()).contains("protocol  v1")
                .contains("plaintext").contains("ping 1: rtt").contains("ping 2: rtt");
    }

    @Test
    void expectedPeerIdMustMatch() {
        int code = run("ping", target(), "--expect", NodeIdentity.generate().peerId().toString());
        assertThat(code).isEqualTo(Main.EXIT_FAILURE);
        assertThat(err.toString()).startsWith("error: wrong peer at " + target());
        assertThat(err.toString().lines().count()).isEqualTo(1);
        assertThat(run("ping", identity.peerId() + "@" + target(), "-c", "1")).isZero();
    }

    @Test
    void refusedConnectionIsOneLineAndNonZero() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertThat(run("ping", "127.0.0.1:" + port)).isEqualTo(Main.EXIT_FAILURE);
        assertThat(err.toString()).startsWith("error: cannot connect to 127.0.0.1:" + port);
        assertThat(err.toString().lines().count()).isEqualTo(1);
    }

    /** `peers` against the P2P port used to print the node's binary preamble; against a closed port, an exception. */
    @Test
    void peersAgainstTheWrongPortSaysSoInOneLine() throws Exception {
        assertThat(run("peers", target(), "--timeout", "5")).isEqualTo(Main.EXIT_FAILURE);
        assertThat(err.toString().lines()).singleElement().asString()
                .startsWith("error: " + target() + " is not a chainmux admin interface")
                .endsWith("give the node's metrics address, not its P2P port").doesNotContain("CMUX");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        err.getBuffer().setLength(0);
        assertThat(run("peers", "127.0.0.1:" + port)).isEqualTo(Main.EXIT_FAILURE);
        assertThat(err.toString().lines()).singleElement().asString()
                .isEqualTo("error: nothing listens at 127.0.0.1:" + port + " (connection refused): is the node running, "
                        + "with --metrics 127.0.0.1:" + port + "?");
    }

    @Test
    void aPlaintextPingToATlsNodeSaysToUseTls() {
        try (Endpoint tls = Endpoint.start(EndpointConfig.builder(NodeIdentity.generate()).listen("127.0.0.1:0").tls(true)
                .ioThreads(1).shutdownGrace(Duration.ofMillis(200)).build(), new EndpointListener() {})) {
            assertThat(run("ping", "127.0.0.1:" + tls.localAddress().getPort(), "--timeout", "5"))
                    .isEqualTo(Main.EXIT_FAILURE);
            assertThat(err.toString().lines()).singleElement().asString()
                    .contains("the peer has tls on, this node has tls off").endsWith("; ping with --tls");
        }
    }

    @Test
    void badInputIsAUsageError() {
        assertThat(run("ping", "no-port")).isEqualTo(2);
        assertThat(err.toString()).contains("expected HOST:PORT");
        assertThat(run("ping", target(), "--count", "0")).isEqualTo(2);
        assertThat(run("ping", target(), "--transport", "carrier-pigeon")).isEqualTo(2);
        assertThat(run("ping", target(), "--expect", "not-a-peer-id")).isEqualTo(2);
    }

    @Test
    void tlsAgainstAPlaintextNodeFailsClearly() {
        assertThat(run("ping", target(), "--tls", "--timeout", "2")).isEqualTo(Main.EXIT_FAILURE);
        assertThat(err.toString().trim()).endsWith("the peer speaks plaintext: it has tls off, this node has tls on; "
                + "ping without --tls");
    }

    @Test
    void helpListsEveryOption() {
        assertThat(run("ping", "--help")).isZero();
        assertThat(out.toString()).contains("--count", "--interval-ms", "--expect", "--tls", "--identity", "--timeout",
                "--transport");
        out.getBuffer().setLength(0);
        assertThat(run("node", "--help")).isZero();
        assertThat(out.toString()).contains("--config", "--listen", "--identity", "--advertise", "--bootstrap",
                "--chains", "--degree", "--stripes", "--[no-]tls", "--peer-db", "--metrics", "--transport");
    }
}
