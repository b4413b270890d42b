package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.Hello;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.Role;
import io.chainmux.mux.Budget;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.RateLimit;
import io.chainmux.mux.StreamListener;
import io.chainmux.testing.RawPeer;
import io.chainmux.testing.RawPeer.Frame;
import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.Settings;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The mux's abuse budgets (premature RESETs, provoked RESETs, PINGs) hold across connections per
 * remote address: a peer that redials with a fresh identity per connection does not start afresh.
 */
class AddressAbuseBudgetTest {
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    /** Premature RESETs per hostile connection: under the connection's own budget (200 per 30 s). */
    static final int RESETS_PER_CONNECTION = 150;
    static final int MAX_CONNECTIONS = 40;

    /** How one hostile connection ended. */
    enum Ending { SERVED, REFUSED_AT_ACCEPT, CUT }

    /** The per-address handshake limits are out of reach here: only the abuse budget can stop the client. */
    static EndpointConfig.Builder noHandshakeLimits(EndpointConfig.Builder b) {
        return b.handshakeRate(RateLimit.of(100_000, Duration.ofMinutes(1)))
                .handshakeRatePerBlock(RateLimit.of(100_000, Duration.ofMinutes(1))).maxInboundPerIp(100_000);
    }

    @Test
    void aClientRedialingWithFreshIdentitiesIsCutOffAndAnHonestOneIsNot() throws Exception {
        try (TestNode node = new TestNode(b -> noHandshakeLimits(b).limitLoopback(true));
             TestNode honest = new TestNode(b -> b)) {
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", node.endpoint.localAddress().getPort());
            List<Ending> endings = hostileRedials(to, MAX_CONNECTIONS);
            assertThat(endings).as("the redialing client is cut off").last().isNotEqualTo(Ending.SERVED);
            // 4 connections' worth (800) per 30 s: cut off after the sixth, give or take closes racing redials
            assertThat(endings.stream().filter(e -> e == Ending.SERVED).count()).isBetween(5L, 12L);
            assertThat(node.endpoint.stats().limitHits(Limit.ADDRESS_ABUSE_BUDGET)).isPositive();
            long hits = node.endpoint.stats().limitHits(Limit.ADDRESS_ABUSE_BUDGET);

            // Another address of the same /24 (its block budget is 16 connections' worth), at 1000 networks.
            PeerConnection pc = honest.endpoint.connect(node.address()).get(10, TimeUnit.SECONDS);
            int networks = 1000;
            CountDownLatch echoed = new CountDownLatch(networks);
            CountDownLatch closed = new CountDownLatch(networks);
            List<MuxStream> streams = new ArrayList<>();
            for (int i = 0; i < networks; i++) {
                MuxStream s = pc.openStream("chain-" + i + "/sync/1", 1 << 16, 1, new StreamListener() {
                    @Override
                    public void onMessage(MuxStream stream, ByteBuf message) {
                        int length = message.readableBytes();
                        message.release();
                        stream.consumed(length);
                        echoed.countDown();
                    }

                    @Override
                    public void onClosed(MuxStream stream, CloseReason reason) {
                        closed.countDown();
                    }
                });
                assertThat(s.trySend(Unpooled.copiedBuffer("block?", StandardCharsets.US_ASCII))).isTrue();
                streams.add(s);
            }
            assertThat(echoed.await(30, TimeUnit.SECONDS)).as("every network answered").isTrue();
            streams.forEach(MuxStream::close);
            assertThat(closed.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(pc.ping().get(10, TimeUnit.SECONDS)).isPositive();
            assertThat(pc.isConnected()).isTrue();
            assertThat(node.endpoint.stats().limitHits(Limit.ADDRESS_ABUSE_BUDGET)).isEqualTo(hits);
        }
    }

    /**
     * Connections that stay open are charged as they go: eight connections, all handshaken before
     * any abuse (so no accept comes after), together reset more than their address's budget; the one
     * that charges the spent budget is closed with ENHANCE_YOUR_CALM, and then a new connection is
     * refused at accept.
     */
    @Test
    void connectionsThatStayOpenAreChargedWhileTheyLast() throws Exception {
        try (TestNode node = new TestNode(b -> noHandshakeLimits(b).limitLoopback(true))) {
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", node.endpoint.localAddress().getPort());
            List<RawPeer> open = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    RawPeer raw = handshake(to);
                    assertThat(raw).as("not refused before any abuse").isNotNull();
                    open.add(raw);
                }
                for (RawPeer raw : open) {
                    abuse(raw); // 8 x 150 premature RESETs: over the address's 800 per 30 s
                }
                long deadline = System.nanoTime() + 10 * SECOND;
                while (node.endpoint.stats().limitHits(Limit.ADDRESS_ABUSE_BUDGET) == 0
                        && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertThat(node.endpoint.stats().limitHits(Limit.ADDRESS_ABUSE_BUDGET))
                        .as("a live connection was closed for its address's budget").isPositive();
                while (node.endpoint.muxTotals().liveConnections().size() == 8 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertThat(node.endpoint.muxTotals().liveConnections()).hasSizeLessThan(8);
                assertThat(handshake(to)).as("and a new one is refused at accept").isNull();
            } finally {
                for (RawPeer raw : open) {
                    raw.close();
                }
            }
        }
    }

    /**
     * Refusals are what honest peers provoke most: three nodes behind one address, each refused on
     * all 1000 networks it asks for, stay within the address's budget.
     */
    @Test
    void honestPeersRefusedOnAThousandNetworksAreNotCut() throws Exception {
        EndpointConfig config = noHandshakeLimits(EndpointConfig.builder(NodeIdentity.generate()).listen("127.0.0.1:0")
                .ioThreads(2)).limitLoopback(true).build();
        try (Endpoint refusing = Endpoint.start(config, new EndpointListener() {
            @Override
            public void onStreamOpened(PeerConnection peer, MuxStream stream) {
                stream.refuse(ErrorCode.REFUSED_UNKNOWN_NETWORK, null);
            }
        })) {
            PeerAddress address = PeerAddress.of(refusing.localAddress()).withPeer(config.identity().peerId());
            int networks = 1000;
            for (int node = 0; node < 3; node++) {
                try (TestNode honest = new TestNode(b -> b)) {
                    PeerConnection pc = honest.endpoint.connect(address).get(10, TimeUnit.SECONDS);
                    CountDownLatch refused = new CountDownLatch(networks);
                    for (int i = 0; i < networks; i++) {
                        pc.openStream("chain-" + i + "/sync/1", 1 << 16, 1, new StreamListener() {
                            @Override
                            public void onMessage(MuxStream stream, ByteBuf message) {
                                message.release(); // a refused stream carries none
                            }

                            @Override
                            public void onClosed(MuxStream stream, CloseReason reason) {
                                if (reason.code() == ErrorCode.REFUSED_UNKNOWN_NETWORK) {
                                    refused.countDown();
                                }
                            }
                        });
                    }
                    assertThat(refused.await(30, TimeUnit.SECONDS)).as("every network refused").isTrue();
                    assertThat(pc.ping().get(10, TimeUnit.SECONDS)).isPositive();
                    assertThat(pc.isConnected()).isTrue();
                }
            }
            assertThat(refusing.muxTotals().sum(s -> s.budgetCharged(Budget.SENT_RESETS)))
                    .as("every refusal was charged").isEqualTo(3L * networks);
            assertThat(refusing.stats().limitHits(Limit.ADDRESS_ABUSE_BUDGET)).isZero();
            assertThat(refusing.muxTotals().sum(s -> s.budgetExceeded())).isZero();
        }
    }

    @Test
    void loopbackIsExemptUnlessAsked() throws Exception {
        try (TestNode node = new TestNode(AddressAbuseBudgetTest::noHandshakeLimits)) {
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", node.endpoint.localAddress().getPort());
            List<Ending> endings = hostileRedials(to, 10);
            assertThat(endings).containsOnly(Ending.SERVED).hasSize(10);
            assertThat(node.endpoint.stats().limitHits(Limit.ADDRESS_ABUSE_BUDGET)).isZero();
        }
    }

    @Test
    void chargesGoIntoDebtAndRefillPerAddressAndBlock() throws Exception {
        AddressRateLimiter budget = new AddressRateLimiter(RateLimit.of(10, Duration.ofSeconds(1)),
                RateLimit.of(15, Duration.ofSeconds(1)));
        InetAddress a = InetAddress.getByName("198.51.100.1");
        InetAddress b = InetAddress.getByName("198.51.100.2");
        InetAddress other = InetAddress.getByName("203.0.113.9");
        long t = 0;
        assertThat(budget.allows(a, t)).as("an address never charged").isTrue();
        budget.charge(a, 9, t);
        assertThat(budget.allows(a, t)).isTrue();
        budget.charge(a, 1, t);
        assertThat(budget.allows(a, t)).as("the address spent its 10").isFalse();
        assertThat(budget.allows(b, t)).as("its neighbour has its own budget").isTrue();
        budget.charge(b, 5, t);
        assertThat(budget.allows(b, t)).as("but the /24 spent its 15").isFalse();
        assertThat(budget.allows(other, t)).isTrue();
        budget.charge(a, 1_000_000, t); // a burst: debt down to one window's worth, no more
        t += SECOND;
        assertThat(budget.allows(a, t)).as("one window refills the debt, not yet a token").isFalse();
        t += SECOND / 5;
        assertThat(budget.allows(a, t)).isTrue();
        assertThat(budget.allows(b, t)).isTrue();
    }

    @Test
    void theBudgetIsValidated() {
        NodeIdentity id = NodeIdentity.generate();
        assertThatThrownBy(() -> EndpointConfig.builder(id).abuseBudgetPerAddress(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("abuseBudgetPerAddress");
        assertThatThrownBy(() -> EndpointConfig.builder(id).abuseBudgetPerAddress(8).abuseBudgetPerBlock(4).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("abuseBudgetPerBlock");
        assertThat(AbuseWatch.perConnection(EndpointConfig.builder(id).build().mux(), Budget.SENT_RESETS).count())
                .as("provoked resets: the count plus one per stream the peer may hold open").isEqualTo(200 + 2048);
    }

    /**
     * Connects from 127.0.0.2 with a fresh identity per connection, opens and at once resets
     * {@link #RESETS_PER_CONNECTION} streams (premature RESETs), waits for the node to answer a PING
     * (so it has counted them), closes and redials; stops once the node refuses or cuts it.
     */
    static List<Ending> hostileRedials(InetSocketAddress to, int maxConnections) throws Exception {
        List<Ending> endings = new ArrayList<>();
        long deadline = System.nanoTime() + 30 * SECOND;
        while (endings.size() < maxConnections && System.nanoTime() < deadline
                && (endings.isEmpty() || endings.get(endings.size() - 1) == Ending.SERVED)) {
            endings.add(hostileConnection(to));
        }
        return endings;
    }

    private static Ending hostileConnection(InetSocketAddress to) throws Exception {
        RawPeer raw = handshake(to);
        if (raw == null) {
            return Ending.REFUSED_AT_ACCEPT;
        }
        try (raw) {
            return abuse(raw);
        }
    }

    /** A connection from 127.0.0.2 with a fresh identity, handshake done; null if closed at accept. */
    private static RawPeer handshake(InetSocketAddress to) throws Exception {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress("127.0.0.2", 0));
        socket.connect(to, 10_000);
        RawPeer raw = new RawPeer(socket, 10_000);
        NodeIdentity me = NodeIdentity.generate();
        Hello mine = Hello.create(me, 0, 1, "");
        try {
            raw.sendPreamble();
            raw.sendHello(mine);
            raw.readPreamble();
        } catch (IOException closedAtAccept) {
            raw.close();
            return null;
        }
        Hello theirs = raw.readHello();
        assertThat(raw.readFrame().type()).isEqualTo(Frame.AUTH);
        raw.sendAuth(me, Role.DIALER, mine, theirs);
        assertThat(raw.readFrame().type()).isEqualTo(Frame.SETTINGS);
        return raw;
    }

    /** Opens and resets streams at once, then waits for the node to answer a PING (so it has read them all). */
    private static Ending abuse(RawPeer raw) throws Exception {
        raw.send(out -> {
            FrameWriter.writeSettings(out, Settings.defaults());
            for (int i = 0; i < RESETS_PER_CONNECTION; i++) {
                int id = 1 + 2 * i;
                FrameWriter.writeOpen(out, id, 1 << 16, "chain-" + i + "/sync/1");
                FrameWriter.writeReset(out, id, ErrorCode.CANCEL, null);
            }
            FrameWriter.writePing(out, false, 42);
        });
        for (int frames = 0; frames < 10_000; frames++) {
            Frame f = raw.readFrame();
            if (f == null) {
                return Ending.CUT;
            }
            if (f.type() == Frame.GO_AWAY) {
                assertThat(f.goAwayCode()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
                return Ending.CUT;
            }
            if (f.type() == FrameType.PING.code && (f.flags() & WireFormat.FLAG_ACK) != 0) {
                return Ending.SERVED;
            }
        }
        throw new AssertionError("no PING answer within 10,000 frames");
    }
}

