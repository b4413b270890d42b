package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.Hello;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.Role;
import io.chainmux.mux.MuxConfig;
import io.chainmux.mux.RateLimit;
import io.chainmux.testing.RawPeer;
import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.Settings;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Handshakes per remote address and block are rate-limited before the node does any work for them. */
class HandshakeRateTest {
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aFloodFromOneAddressIsClosedAtAcceptBeyondItsBucket() throws Exception {
        try (TestNode node = new TestNode(b -> b.limitLoopback(true)
                .handshakeRate(RateLimit.of(3, Duration.ofMinutes(1)))
                .handshakeRatePerBlock(RateLimit.of(100, Duration.ofMinutes(1))))) {
            List<Integer> first = new ArrayList<>();
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    Socket s = new Socket("127.0.0.1", node.endpoint.localAddress().getPort());
                    s.setSoTimeout(10_000);
                    sockets.add(s);
                }
                for (Socket s : sockets) {
                    first.add(s.getInputStream().read()); // 'C' of the preamble, or -1: closed at accept
                }
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            assertThat(first.stream().filter(b -> b == 'C')).as("three handshakes started").hasSize(3);
            assertThat(first.stream().filter(b -> b == -1)).as("three closed at accept").hasSize(3);
            assertThat(node.endpoint.stats().limitHits(Limit.HANDSHAKE_RATE)).isEqualTo(3);
        }
    }

    /**
     * A connection closed for breaking a budget (here the PING budget) costs its address its handshake
     * tokens: a peer cannot redial with a fresh identity and start over at once.
     */
    @Test
    void aConnectionThatBreaksABudgetCostsItsAddressItsTokens() throws Exception {
        try (TestNode node = new TestNode(b -> b.limitLoopback(true)
                .handshakeRate(RateLimit.of(100_000, Duration.ofMinutes(1)))
                .handshakeRatePerBlock(RateLimit.of(100_000, Duration.ofMinutes(1))).maxInboundPerIp(100_000)
                .mux(MuxConfig.defaults().toBuilder().pings(RateLimit.of(5, Duration.ofMinutes(1)))
                        .build()))) {
            InetSocketAddress to = new InetSocketAddress("127.0.0.1",
                    node.endpoint.localAddress().getPort());
            try (RawPeer raw = RawPeer.connect(to, 10_000)) {
                NodeIdentity me = NodeIdentity.generate();
                Hello mine = Hello.create(me, 0, 1, "");
                raw.sendPreamble();
                raw.sendHello(mine);
                raw.readPreamble();
                Hello theirs = raw.readHello();
                assertThat(raw.readFrame().type()).isEqualTo(RawPeer.Frame.AUTH);
                raw.sendAuth(me, Role.DIALER, mine, theirs);
                assertThat(raw.readFrame().type()).isEqualTo(RawPeer.Frame.SETTINGS);
                raw.send(out -> {
                    FrameWriter.writeSettings(out, Settings.defaults());
                    for (int i = 0; i < 6; i++) {
                        FrameWriter.writePing(out, false, i);
                    }
                });
                RawPeer.Frame goAway = raw.readUntil(RawPeer.Frame.GO_AWAY);
                assertThat(goAway).isNotNull();
                assertThat(goAway.goAwayCode()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
                assertThat(raw.closedByPeer()).isTrue();
            }
            // The penalty is applied when the node sees the close; the next attempts may race it. A
            // bucket of 100,000 (and no per-IP cap in reach) cannot refuse 2,000 attempts: only the penalty can.
            int first = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (int attempt = 0; attempt < 2000 && first != -1 && System.nanoTime() < deadline; attempt++) {
                try (Socket s = new Socket("127.0.0.1", to.getPort())) {
                    s.setSoTimeout(10_000);
                    first = s.getInputStream().read();
                }
            }
            assertThat(first).as("the abuser's address is refused at accept").isEqualTo(-1);
            assertThat(node.endpoint.stats().limitHits(Limit.HANDSHAKE_RATE)).isPositive();
        }
    }

    @Test
    void loopbackIsExemptUnlessAsked() throws Exception {
        try (TestNode node = new TestNode(b -> b.handshakeRate(RateLimit.of(1, Duration.ofMinutes(1))))) {
            for (int i = 0; i < 3; i++) {
                try (Socket s = new Socket("127.0.0.1", node.endpoint.localAddress().getPort())) {
                    s.setSoTimeout(10_000);
                    assertThat(s.getInputStream().read()).isEqualTo('C');
                }
            }
            assertThat(node.endpoint.stats().limitHits(Limit.HANDSHAKE_RATE)).isZero();
        }
    }

    @Test
    void bucketsRefillAndABlockSharesOneBudget() throws Exception {
        AddressRateLimiter limiter = new AddressRateLimiter(RateLimit.of(2, Duration.ofSeconds(1)),
                RateLimit.of(3, Duration.ofSeconds(1)));
        InetAddress a = InetAddress.getByName("198.51.100.1");
        InetAddress b = InetAddress.getByName("198.51.100.2");
        InetAddress other = InetAddress.getByName("203.0.113.9");
        long t = 0;
        assertThat(limiter.tryAcquire(a, t)).isTrue();
        assertThat(limiter.tryAcquire(a, t)).isTrue();
        assertThat(limiter.tryAcquire(a, t)).as("the address's bucket is empty").isFalse();
        assertThat(limiter.tryAcquire(b, t)).as("its neighbour has a bucket of its own").isTrue();
        assertThat(limiter.tryAcquire(b, t)).as("but the /24 has spent its 3").isFalse();
        assertThat(limiter.tryAcquire(other, t)).as("another block is not affected").isTrue();
        t += SECOND / 2; // half a window: one token back for a (2 per second), 1.5 for the block
        assertThat(limiter.tryAcquire(a, t)).isTrue();
        assertThat(limiter.tryAcquire(a, t)).isFalse();
        t += 10 * SECOND;
        limiter.sweep(t);
        assertThat(limiter.tracked()).as("refilled buckets are forgotten").isZero();
        InetAddress v6a = InetAddress.getByName("2001:db8:1:2::1");
        InetAddress v6b = InetAddress.getByName("2001:db8:1:2:ffff::1");
        for (int i = 0; i < 2; i++) {
            assertThat(limiter.tryAcquire(v6a, t)).isTrue();
        }
        assertThat(limiter.tryAcquire(v6b, t)).isTrue();
        assertThat(limiter.tryAcquire(v6b, t)).as("one /64 shares the block budget").isFalse();
    }
}
