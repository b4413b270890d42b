package io.chainmux.p2p;

import io.chainmux.broker.BrokerConfig;
import io.chainmux.broker.ConnectionBroker;
import io.chainmux.broker.NetworkId;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.wire.ErrorCode;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.chainmux.p2p.Cluster.ECHO;
import static io.chainmux.p2p.Cluster.PING_AND_HOLD;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile identities that refuse every session as busy, naming 12 bogus alternatives each time, on
 * many networks at once: the victim's peer database stays within the per-source budget (one budget
 * over all networks), stores no unusable address, and keeps a good peer's address.
 *
 * <p>The good peer is a source too: it learns the hostile peers from the victim by peer exchange,
 * hears their bogus alternatives itself, and passes some on to the victim by peer exchange, within
 * its own budget. The test waits for that, so the bound is checked with every source's budget spent.
 *
 * <p>Bogus alternatives that could be dialed point at sockets the test binds and never listens on:
 * a dial is refused at once, and no other process on the machine can listen at those addresses
 * meanwhile (a random loopback port may be a node or server someone else runs on 0.0.0.0).
 */
class PeerDbPoisoningTest {
    static final int HOSTILE = 8;
    /** 40 by default; the repro ran 1000 ({@code -Dpoisoning.networks=1000}). */
    static final int NETWORKS = Integer.getInteger("poisoning.networks", 40);
    static final int PER_SOURCE = 4;
    /** Loopback addresses the bogus alternatives point at (bound, never listening). */
    static final int RESERVED = 16;

    @Test
    void busyRefusalsFromHostilePeersCannotGrowOrCorruptThePeerDb() throws Exception {
        List<NetworkId> chains = Cluster.chains(NETWORKS);
        List<ConnectionBroker> hostile = new ArrayList<>();
        List<SocketChannel> reserved = new ArrayList<>();
        try (Cluster c = new Cluster()) {
            List<InetSocketAddress> dead = new ArrayList<>();
            for (int i = 0; i < RESERVED; i++) {
                SocketChannel s = SocketChannel.open();
                reserved.add(s);
                s.bind(new InetSocketAddress("127.0.0." + (2 + 12 * i), 0));
                dead.add((InetSocketAddress) s.getLocalAddress());
            }
            P2pNode good = c.start(b -> b);
            for (NetworkId chain : chains) {
                good.join(chain, Cluster.CHAIN, PING_AND_HOLD, ECHO);
            }
            Random random = new Random(11);
            for (int i = 0; i < HOSTILE; i++) {
                EndpointConfig ec = EndpointConfig.builder(NodeIdentity.generate()).listen("127.0.0.1:0").ioThreads(1)
                        .shutdownGrace(Duration.ofMillis(200)).build();
                ConnectionBroker h = ConnectionBroker.start(ec, BrokerConfig.defaults().withWorkerThreads(1));
                hostile.add(h);
                for (NetworkId chain : chains) {
                    h.register(chain, open -> {
                        List<PeerAddress> bogus = new ArrayList<>(List.of(
                                new PeerAddress("0.0.0.0", 7000, fresh(random)),
                                new PeerAddress("127.0.0.1", 0, fresh(random)),
                                new PeerAddress("224.0.0.1", 7000, fresh(random)),
                                new PeerAddress("255.255.255.255", 7000, fresh(random)),
                                // a good peer's id at another address: must not replace its address
                                new PeerAddress("127.0.0.1", 1, good.id())));
                        while (bogus.size() < 12) {
                            InetSocketAddress a = dead.get(random.nextInt(dead.size()));
                            bogus.add(new PeerAddress(a.getAddress().getHostAddress(), a.getPort(), fresh(random)));
                        }
                        open.refuse(ErrorCode.REFUSED_BUSY, BusyDetail.encode(bogus));
                    });
                }
            }
            P2pNode victim = c.start(b -> b.maxNewPeersPerSource(PER_SOURCE));
            victim.peerDb().add(good.address(), false);
            for (ConnectionBroker h : hostile) {
                victim.peerDb().add(PeerAddress.of(h.endpoint().localAddress()).withPeer(
                        h.endpoint().config().identity().peerId()), false);
            }
            NetworkConfig wide = Cluster.CHAIN.toBuilder().targetDegree(HOSTILE + 1).build();
            List<P2pNetwork> nets = new ArrayList<>();
            for (NetworkId chain : chains) {
                nets.add(victim.join(chain, wide, PING_AND_HOLD, ECHO));
            }
            Cluster.until("the good peer served a session", () -> victim.peerDb().get(good.id())
                    .map(p -> p.successes() > 0).orElse(false));
            // Busy refusals from the hostile identities, on average twice per identity and network: each
            // offers 12 alternatives, so without the budget the DB would pass 2 x 8 x 12 x networks entries.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(Cluster.WAIT_SECONDS, NETWORKS / 5));
            while (nets.stream().mapToLong(n -> n.stats().busyReceived()).sum() < 2L * HOSTILE * NETWORKS) {
                assertThat(System.nanoTime()).as("busy refusals on the networks").isLessThan(deadline);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }

            PeerDb db = victim.peerDb();
            Cluster.until("the good peer passed on, by peer exchange, peers the hostile ones named",
                    () -> db.unprovenFrom(good.id()) > 0);
            System.err.printf("poisoning: %d networks, %d busy refusals, peer DB %d entries, learned %s%n", NETWORKS,
                    nets.stream().mapToLong(n -> n.stats().busyReceived()).sum(), db.size(),
                    Arrays.stream(PeerDb.Learned.values()).map(l -> l + "=" + db.learned(l)).toList());
            for (ConnectionBroker h : hostile) {
                assertThat(db.unprovenFrom(h.endpoint().config().identity().peerId())).as("a hostile peer's introductions")
                        .isEqualTo(PER_SOURCE);
            }
            assertThat(db.unprovenFrom(good.id())).as("the good peer's introductions").isLessThanOrEqualTo(PER_SOURCE);
            // the good peer, the hostile ones, and the budgets of all of them
            int bound = 1 + HOSTILE + (HOSTILE + 1) * PER_SOURCE;
            assertThat(db.size()).as("peer DB size after %d busy refusals", nets.stream()
                    .mapToLong(n -> n.stats().busyReceived()).sum()).isLessThanOrEqualTo(bound);
            for (PeerInfo p : db.snapshot()) {
                assertThat(AddressScope.rejects(p.address(), null)).as("stored %s", p.address()).isNull();
            }
            assertThat(db.get(good.id()).orElseThrow().address()).as("the good peer's address")
                    .isEqualTo(good.address());
        } finally {
            for (ConnectionBroker h : hostile) {
                h.close();
            }
            for (SocketChannel s : reserved) {
                s.close();
            }
        }
    }

    private static PeerId fresh(Random random) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return PeerId.of(key);
    }
}
