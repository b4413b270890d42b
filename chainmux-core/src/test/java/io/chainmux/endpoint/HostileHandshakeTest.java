package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.HandshakeException.Reason;
import io.chainmux.endpoint.identity.Hello;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.Role;
import io.chainmux.mux.MuxConnection;
import io.chainmux.testing.RawPeer.Frame;
import io.chainmux.testing.RawPeer;
import io.chainmux.wire.ErrorCode;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Handshakes from a peer speaking raw bytes: every failure ends in a close, with the GO_AWAY code
 * docs/PROTOCOL.md names (or none at all for a peer that is not chainmux).
 */
class HostileHandshakeTest {
    static final int TIMEOUT_MS = 10_000;

    private static RawPeer dial(TestNode node) throws Exception {
        InetSocketAddress a = node.endpoint.localAddress();
        RawPeer raw = RawPeer.connect(new InetSocketAddress("127.0.0.1", a.getPort()), TIMEOUT_MS);
        raw.readPreamble();
        raw.readHello();
        return raw;
    }

    private static byte[] nonce() {
        byte[] n = new byte[32];
        new java.security.SecureRandom().nextBytes(n);
        return n;
    }

    @Test
    void aStripeIndexAtOrAboveTheLimitIsRefusedAndClosed() throws Exception {
        try (TestNode node = new TestNode(b -> b.maxStripesPerPeer(8)); RawPeer raw = dial(node)) {
            raw.sendPreamble();
            raw.sendHello(NodeIdentity.generate(), nonce(), 8, 9, new byte[0]);
            Frame goAway = raw.readUntil(Frame.GO_AWAY);
            assertThat(goAway).as("a GO_AWAY before the close").isNotNull();
            assertThat(goAway.goAwayCode()).isEqualTo(ErrorCode.REFUSED_CONNECTION);
            assertThat(raw.closedByPeer()).as("the connection is closed, not held").isTrue();
            assertThat(node.endpoint.stats().limitHits(Limit.MAX_STRIPES_PER_PEER)).isEqualTo(1);
            assertThat(node.endpoint.peers()).as("no state kept for a refused stranger").isEmpty();
        }
    }

    @Test
    void stripeFieldsOutOfRangeFailTheHandshakeWithHandshakeFailed() throws Exception {
        try (TestNode node = new TestNode()) {
            int[][] cases = {{0, 0}, {3, 3}, {1, 0}};
            for (int[] c : cases) {
                try (RawPeer raw = dial(node)) {
                    raw.sendPreamble();
                    raw.sendHello(NodeIdentity.generate(), nonce(), c[0], c[1], new byte[0]);
                    Frame goAway = raw.readUntil(Frame.GO_AWAY);
                    assertThat(goAway).as("GO_AWAY for stripe %d of %d", c[0], c[1]).isNotNull();
                    assertThat(goAway.goAwayCode()).as("stripe %d of %d", c[0], c[1])
                            .isEqualTo(ErrorCode.HANDSHAKE_FAILED);
                    assertThat(raw.closedByPeer()).isTrue();
                }
            }
        }
    }

    @Test
    void aHandshakeFrameAbove1KiBIsAFrameSizeError() throws Exception {
        try (TestNode node = new TestNode(); RawPeer raw = dial(node)) {
            raw.sendPreamble();
            raw.send(new byte[] {0, 4, 1, 0x9, 0, 0, 0, 0, 0}); // HELLO header, Length 1025: no payload needed
            Frame goAway = raw.readUntil(Frame.GO_AWAY);
            assertThat(goAway).isNotNull();
            assertThat(goAway.goAwayCode()).isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void aWrongPreambleMagicIsClosedWithoutAGoAway() throws Exception {
        try (TestNode node = new TestNode(); RawPeer raw = dial(node)) {
            raw.send("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(raw.readFrame()).as("nothing after the node's HELLO, not even GO_AWAY").isNull();
            assertThat(node.endpoint.stats().handshakeFailures(Reason.NOT_CHAINMUX)).isEqualTo(1);
        }
    }

    @Test
    void anUnusableAdvertisedAddressIsIgnoredNotAFailure() throws Exception {
        try (TestNode node = new TestNode()) {
            for (String address : new String[] {"a@b:1", "bad_host:1", "[zz::1]:7", "h:0"}) {
                NodeIdentity id = NodeIdentity.generate();
                try (RawPeer raw = RawPeer.connect(new InetSocketAddress("127.0.0.1",
                        node.endpoint.localAddress().getPort()), TIMEOUT_MS)) {
                    raw.readPreamble();
                    Hello theirs = raw.readHello();
                    byte[] n = nonce();
                    raw.sendPreamble();
                    raw.sendHello(id, n, 0, 1, address.getBytes(StandardCharsets.US_ASCII));
                    Frame auth = raw.readFrame();
                    assertThat(auth).as("the node answers %s with its AUTH", address).isNotNull();
                    assertThat(auth.type()).as("AUTH for %s", address).isEqualTo(Frame.AUTH);
                    Hello mine = new Hello(id.peerId(), n, 0, 1, "");
                    raw.sendAuth(id, Role.DIALER, mine, theirs);
                    assertThat(raw.readFrame().type()).as("SETTINGS: the handshake completed").isEqualTo(Frame.SETTINGS);
                    // The node admitted the peer (and read its address) before it sent AUTH; the peer stays
                    // known while this socket is open.
                    PeerConnection pc = node.endpoint.peer(id.peerId());
                    assertThat(pc).isNotNull();
                    assertThat(pc.address()).as("no address learned from %s", address).isNull();
                }
            }
        }
    }

    /**
     * The crossing of docs/PROTOCOL.md section 5.3 step 6 in the order that used to keep the wrong
     * connection: the lower id (the raw peer) answers the node's dial first, then dials the node and
     * completes its own dial, and only then completes the node's. The node must refuse its own dial
     * with CROSSED_CONNECTION and keep the lower id's.
     */
    @Test
    void theHigherIdsDialLosesACrossingWhicheverHandshakeFinishesFirst() throws Exception {
        try (TestNode node = new TestNode(); ServerSocket listen = new ServerSocket(0, 4,
                InetAddress.getLoopbackAddress())) {
            NodeIdentity lower = NodeIdentity.generate();
            for (int i = 0; i < 1000 && lower.peerId().compareTo(node.identity.peerId()) >= 0; i++) {
                lower = NodeIdentity.generate();
            }
            assertThat(lower.peerId()).isLessThan(node.identity.peerId());
            PeerAddress rawAddress = new PeerAddress("127.0.0.1", listen.getLocalPort(), lower.peerId());
            CompletableFuture<PeerConnection> connected = node.endpoint.connect(rawAddress);
            listen.setSoTimeout(TIMEOUT_MS);
            try (Socket accepted = listen.accept(); RawPeer x = new RawPeer(accepted, TIMEOUT_MS);
                 RawPeer w = RawPeer.connect(new InetSocketAddress("127.0.0.1",
                         node.endpoint.localAddress().getPort()), TIMEOUT_MS)) {
                // X: the node's dial. Answer its HELLO and wait for its AUTH: X is admitted.
                x.readPreamble();
                Hello nodeOnX = x.readHello();
                Hello lowerOnX = Hello.create(lower, 0, 0, "");
                x.sendPreamble();
                x.sendHello(lowerOnX);
                assertThat(x.readFrame().type()).isEqualTo(Frame.AUTH);
                // W: the lower id's dial, completed first.
                w.readPreamble();
                Hello nodeOnW = w.readHello();
                Hello lowerOnW = Hello.create(lower, 0, 1, "");
                w.sendPreamble();
                w.sendHello(lowerOnW);
                assertThat(w.readFrame().type()).isEqualTo(Frame.AUTH);
                w.sendAuth(lower, Role.DIALER, lowerOnW, nodeOnW);
                assertThat(w.readFrame().type()).isEqualTo(Frame.SETTINGS);
                // Now X's AUTH: the node must refuse X, not retire W.
                x.sendAuth(lower, Role.LISTENER, lowerOnX, nodeOnX);
                Frame goAway = x.readUntil(Frame.GO_AWAY);
                assertThat(goAway).as("the node's own dial is refused").isNotNull();
                assertThat(goAway.goAwayCode()).isEqualTo(ErrorCode.CROSSED_CONNECTION);
                assertThat(x.closedByPeer()).isTrue();
                PeerConnection pc = connected.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                MuxConnection kept = pc.stripedConnections().get(0);
                assertThat(((InetSocketAddress) kept.channel().remoteAddress()).getPort())
                        .as("the kept stripe is the lower id's dial").isEqualTo(w.socket().getLocalPort());
                assertThat(kept.isOpenForStreams()).isTrue();
            }
        }
    }
}
