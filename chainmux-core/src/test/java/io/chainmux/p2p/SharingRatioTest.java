package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

import static io.chainmux.p2p.Cluster.ECHO;
import static io.chainmux.p2p.Cluster.PING_AND_HOLD;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed's open question: does peer choice need to coordinate across chains for TCP connections
 * to be shared? The same setup three times: independent choice, chainweb's sharing bias, and the
 * bias with a peer cap: by default 8 nodes that
 * all know each other, 16 chains, degree 2, one stripe, one run each. Prints the sharing ratio (streams
 * per TCP connection, summed over nodes) of each. Run with
 * {@code mvn -B -o -pl chainmux-core test -Dtest=SharingRatioTest}; a larger setup with
 * {@code -Dsharing.nodes=16 -Dsharing.chains=50 -Dsharing.degree=3 -Dsharing.runs=1}.
 */
class SharingRatioTest {
    static final int NODES = Integer.getInteger("sharing.nodes", 8);
    static final int CHAINS = Integer.getInteger("sharing.chains", 16);
    static final int DEGREE = Integer.getInteger("sharing.degree", 2);
    static final int RUNS = Integer.getInteger("sharing.runs", 1);
    /** The sharing peer cap of the third variant. */
    static final int CAP = Integer.getInteger("sharing.cap", 2 * DEGREE);

    record Measure(int streams, int tcp, double peersPerNode) {
        double ratio() {
            return (double) streams / tcp;
        }
    }

    @Test
    void sharingAwareSelectionNeedsFewerTcpConnections() throws Exception {
        List<Measure> independent = new ArrayList<>();
        List<Measure> biased = new ArrayList<>();
        List<Measure> capped = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            independent.add(measure(false, 0));
            biased.add(measure(true, 0));
            capped.add(measure(true, CAP));
        }
        String report = String.format(Locale.ROOT, "sharing ratio, %d nodes x %d chains, degree %d, 1 stripe, %d runs:"
                        + "%n  independent choice:               %s"
                        + "%n  sharing-aware (chainweb, p=0.95): %s"
                        + "%n  sharing-aware, peer cap %2d:       %s", NODES, CHAINS, DEGREE, RUNS,
                describe(independent), describe(biased), CAP, describe(capped));
        System.out.println(report);
        assertThat(mean(biased)).as(report).isGreaterThan(mean(independent));
        assertThat(mean(capped)).as(report).isGreaterThan(mean(independent));
    }

    private static Measure measure(boolean sharingAware, int cap) throws Exception {
        NetworkConfig chain = Cluster.CHAIN.toBuilder().targetDegree(DEGREE).sharingAware(sharingAware)
                .sharingPeerCap(cap).build();
        PeerExchangeConfig exchange = Cluster.FAST_EXCHANGE.withNetwork(Cluster.FAST_EXCHANGE.network().toBuilder()
                .restartDelay(Duration.ofMinutes(10)).sharingAware(sharingAware).sharingPeerCap(cap).build());
        List<NetworkId> chains = Cluster.chains(CHAINS);
        try (Cluster c = new Cluster()) {
            for (int i = 0; i < NODES; i++) {
                c.start(b -> b.exchange(exchange));
            }
            for (P2pNode n : c.nodes) {
                for (P2pNode other : c.nodes) {
                    if (other != n) {
                        n.peerDb().add(other.address(), true);
                    }
                }
            }
            List<CompletableFuture<Void>> ready = new ArrayList<>();
            for (P2pNode n : c.nodes) {
                for (NetworkId id : chains) {
                    ready.add(n.join(id, chain, PING_AND_HOLD, ECHO).ready());
                }
            }
            Cluster.awaitAll("degree " + DEGREE + " everywhere", ready);
            Cluster.until("peer exchanges over and every chain session counted", () -> c.nodes.stream().allMatch(n -> {
                P2pNetwork x = n.network(PeerExchange.NETWORK);
                return x.stats().activeOutgoing() + x.stats().pendingOutgoing() + x.stats().activeInbound() == 0
                        && n.streams() == 2 * CHAINS * DEGREE - inboundShortfall(n, chains);
            }));
            int streams = 0;
            int tcp = 0;
            int peers = 0;
            for (P2pNode n : c.nodes) {
                assertThat(n.tcpConnections()).as("TCP connections <= distinct peers x stripes")
                        .isLessThanOrEqualTo(n.connectedPeers());
                streams += n.streams();
                tcp += n.tcpConnections();
                peers += n.connectedPeers();
            }
            return new Measure(streams, tcp, (double) peers / NODES);
        }
    }

    /** Inbound sessions vary per node; the count we wait for is outgoing + this node's actual inbound. */
    private static int inboundShortfall(P2pNode n, List<NetworkId> chains) {
        int inbound = 0;
        for (NetworkId id : chains) {
            inbound += n.network(id).stats().activeInbound();
        }
        return CHAINS * DEGREE - inbound;
    }

    private static double mean(List<Measure> ms) {
        return ms.stream().mapToDouble(Measure::ratio).average().orElseThrow();
    }

    private static String describe(List<Measure> ms) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "mean ratio %.2f;", mean(ms)));
        for (Measure m : ms) {
            sb.append(String.format(Locale.ROOT, " [%d streams / %d TCP = %.2f, %.1f peers/node]", m.streams(), m.tcp(),
                    m.ratio(), m.peersPerNode()));
        }
        return sb.toString();
    }
}
