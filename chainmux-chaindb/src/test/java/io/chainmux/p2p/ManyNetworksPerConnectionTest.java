package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import io.chainmux.chaindb.ChainDb;
import io.chainmux.chaindb.ChainDbConfig;
import io.chainmux.chaindb.SyncCodec;
import io.chainmux.chaindb.SyncResponder;
import io.chainmux.chaindb.SyncSession;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxConnection;
import io.chainmux.wire.ErrorCode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Guards the design's scale in CI, reduced: 3 nodes x 250 chain networks over real loopback, default
 * mux budgets and session timeouts, every network at degree 2 (all the peers there are), so each TCP
 * connection carries 1000 streams. The nodes must reach and hold their degree with no
 * budget tripped and no connection lost, and up-to-date sessions must stay open (no churn) while new
 * blocks still propagate through them.
 */
class ManyNetworksPerConnectionTest {
    private static final int NODES = 3;
    private static final int CHAINS = 250;
    private static final int DEGREE = NODES - 1;
    private static final int HEIGHT = 5;
    private static final int GROWN_CHAINS = 50;

    @Test
    void nodesReachAndHoldTheirDegreeWithoutTrippingBudgetsOrChurningSessions() throws Exception {
        ChainDbConfig dbConfig = ChainDbConfig.builder().payloadSize(64).build();
        NetworkConfig net = NetworkConfig.builder().targetDegree(DEGREE).build(); // default timeouts and retries
        try (Cluster c = new Cluster()) {
            List<List<ChainDb>> dbs = new ArrayList<>();
            List<List<P2pNetwork>> networks = new ArrayList<>();
            for (int n = 0; n < NODES; n++) {
                P2pNode node = n == 0 ? c.start(b -> b) : c.start(b -> b.bootstrap(List.of(c.nodes.get(0).address())));
                List<ChainDb> mine = new ArrayList<>();
                List<P2pNetwork> joined = new ArrayList<>();
                for (int chain = 0; chain < CHAINS; chain++) {
                    String id = Integer.toString(chain);
                    ChainDb db = new ChainDb(id, dbConfig);
                    db.produce(HEIGHT, dbConfig.payloadSize());
                    mine.add(db);
                    NetworkId network = SyncCodec.network(id);
                    joined.add(node.join(network, net, new SyncSession(db, dbConfig), new SyncResponder(db, dbConfig)));
                }
                dbs.add(mine);
                networks.add(joined);
            }
            List<CompletableFuture<Void>> ready = new ArrayList<>();
            networks.forEach(list -> list.forEach(w -> ready.add(w.ready())));
            Cluster.awaitAll("every network of every node at degree " + DEGREE, ready);
            Cluster.until("every node holds " + CHAINS * DEGREE + " outgoing sessions",
                    () -> networks.stream().allMatch(list -> outgoing(list) == CHAINS * DEGREE));
            long[] ended = new long[NODES];
            for (int n = 0; n < NODES; n++) {
                ended[n] = ended(networks.get(n));
            }

            // The window: new blocks on node 0 reach the others over the sessions already open.
            for (int chain = 0; chain < GROWN_CHAINS; chain++) {
                dbs.get(0).get(chain).produce(1, dbConfig.payloadSize());
            }
            Cluster.until("the new blocks reached every node", () -> dbs.stream()
                    .allMatch(list -> list.subList(0, GROWN_CHAINS).stream().allMatch(db -> db.height() == HEIGHT + 1)));

            for (int n = 0; n < NODES; n++) {
                P2pNode node = c.nodes.get(n);
                assertThat(ended(networks.get(n))).as("sessions ended on node %d: up-to-date sessions hold", n)
                        .isEqualTo(ended[n]);
                assertThat(outgoing(networks.get(n))).as("outgoing sessions of node %d", n).isEqualTo(CHAINS * DEGREE);
                assertThat(node.broker().endpoint().stats().connectionsLost()).as("connections lost by node %d", n).isZero();
                long budgets = 0;
                for (PeerConnection pc : node.broker().endpoint().peers()) {
                    for (MuxConnection s : pc.stripedConnections()) {
                        budgets += s.stats().budgetExceeded();
                    }
                }
                assertThat(budgets).as("budgets tripped on node %d", n).isZero();
                assertThat(node.tcpConnections()).as("one TCP connection per peer").isEqualTo(DEGREE);
                assertThat(node.streams()).as("streams of node %d", n)
                        .isGreaterThanOrEqualTo(2 * CHAINS * DEGREE);
            }
        }
    }

    @Test
    void aNodeStoppingWithManyYoungSessionsTripsNoBudgetAtItsPeer() throws Exception {
        NetworkConfig net = NetworkConfig.builder().targetDegree(1).build();
        try (Cluster c = new Cluster()) {
            P2pNode a = c.start(b -> b);
            P2pNode b = c.start(x -> x.bootstrap(List.of(a.address())));
            List<CompletableFuture<Void>> ready = new ArrayList<>();
            for (int chain = 0; chain < 300; chain++) {
                NetworkId id = NetworkId.of(Integer.toString(chain), Cluster.PING_PROTOCOL, 1);
                ready.add(a.join(id, net, Cluster.PING_AND_HOLD, Cluster.ECHO).ready());
                ready.add(b.join(id, net, Cluster.PING_AND_HOLD, Cluster.ECHO).ready());
            }
            Cluster.awaitAll("both nodes at degree 1 on 300 networks", ready);
            List<MuxConnection> atA = new ArrayList<>();
            a.broker().endpoint().peers().forEach(pc -> atA.addAll(pc.stripedConnections()));
            List<MuxConnection> atB = new ArrayList<>();
            b.broker().endpoint().peers().forEach(pc -> atB.addAll(pc.stripedConnections()));
            assertThat(atA).isNotEmpty();
            assertThat(atB).isNotEmpty();

            // Its sessions are young: resetting each would read as a rapid reset at a.
            b.close();

            for (MuxConnection s : atB) {
                s.closeFuture().get(Cluster.WAIT_SECONDS, TimeUnit.SECONDS);
                assertThat(s.stats().resetsSent() - s.stats().streamsRefusedLocal())
                        .as("resets other than refusals (of opens after the stop) sent by the stopping node").isZero();
            }
            for (MuxConnection s : atA) {
                CloseReason reason = s.closeFuture().get(Cluster.WAIT_SECONDS, TimeUnit.SECONDS);
                assertThat(reason.code()).as("how a's connection to the stopped node ended: %s", reason)
                        .isNotEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
                assertThat(s.stats().budgetExceeded()).isZero();
            }
        }
    }

    private static int outgoing(List<P2pNetwork> networks) {
        return networks.stream().mapToInt(w -> w.stats().activeOutgoing()).sum();
    }

    /** Outgoing sessions that ended, by any outcome, plus opens that failed. */
    private static long ended(List<P2pNetwork> networks) {
        return networks.stream().mapToLong(w -> w.stats().sessionsOk() + w.stats().sessionsFailed()
                + w.stats().openFailures()).sum();
    }
}
