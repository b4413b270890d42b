package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.Hello;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.Role;
import io.chainmux.mux.MuxConfig;
import io.chainmux.testing.RawPeer;
import io.chainmux.testing.RawPeer.Frame;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.Settings;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A peer that completes the handshake, then keeps sending (so the idle timeout never fires) and
 * reads nothing: the node's keepalive PINGs go unanswered and the connection is closed after the
 * write timeout, though everything the node sends fits in the kernel's buffers.
 */
class NonReadingPeerTest {

    @Test
    void aPeerThatSendsButNeverReadsIsDisconnectedByTheKeepAlive() throws Exception {
        try (TestNode node = new TestNode(b -> b.keepAliveInterval(Duration.ofMillis(200))
                .idleTimeout(Duration.ofSeconds(30))
                .mux(MuxConfig.builder().writeTimeout(Duration.ofMillis(800)).build()))) {
            NodeIdentity id = NodeIdentity.generate();
            try (RawPeer raw = RawPeer.connect(new InetSocketAddress("127.0.0.1",
                    node.endpoint.localAddress().getPort()), 10_000)) {
                raw.readPreamble();
                Hello theirs = raw.readHello();
                byte[] nonce = new byte[32];
                new SecureRandom().nextBytes(nonce);
                raw.sendPreamble();
                raw.sendHello(id, nonce, 0, 1, new byte[0]);
                assertThat(raw.readFrame().type()).isEqualTo(Frame.AUTH);
                raw.sendAuth(id, Role.DIALER, new Hello(id.peerId(), nonce, 0, 1, ""), theirs);
                assertThat(raw.readFrame().type()).as("SETTINGS: the handshake completed").isEqualTo(Frame.SETTINGS);
                raw.send(b -> FrameWriter.writeSettings(b, Settings.defaults()));
                long start = System.nanoTime();
                // From here on the peer only sends: a PING every 100 ms, which the node answers into
                // a socket nobody reads.
                for (int i = 0; i < 100 && node.disconnected.isEmpty(); i++) {
                    long opaque = i;
                    raw.send(b -> FrameWriter.writePing(b, false, opaque));
                    Thread.sleep(100); // the peer's pace, not synchronization
                }
                assertThat(node.disconnected).as("the node dropped the peer that reads nothing").isNotEmpty();
                assertThat(node.disconnected.get(0).message()).contains("answered no PING");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
            }
        }
    }
}
