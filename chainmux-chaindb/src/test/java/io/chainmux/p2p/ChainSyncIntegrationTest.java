package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import io.chainmux.chaindb.ChainDb;
import io.chainmux.chaindb.ChainDbConfig;
import io.chainmux.chaindb.SyncCodec;
import io.chainmux.chaindb.SyncResponder;
import io.chainmux.chaindb.SyncSession;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The chain-database sync over the real stack: 5 nodes, 20 chains, a late node catches up everything. */
class ChainSyncIntegrationTest {
    private static final int NODES = 5;
    private static final int CHAINS = 20;
    private static final int HEIGHT = 300;

    @Test
    void aLateNodeCatchesUpEveryChainWithEveryHashVerified() throws Exception {
        ChainDbConfig dbConfig = ChainDbConfig.builder().payloadSize(512).build();
        NetworkConfig net = Cluster.CHAIN.toBuilder().targetDegree(2).sessionTimeout(Duration.ofSeconds(30)).build();
        try (Cluster c = new Cluster()) {
            List<Map<String, ChainDb>> dbs = new ArrayList<>();
            P2pNode first = null;
            for (int n = 0; n < NODES; n++) {
                P2pNode node = n == 0 ? c.start(b -> b) : c.start(b -> b.bootstrap(List.of(c.nodes.get(0).address())));
                first = first == null ? node : first;
                Map<String, ChainDb> mine = new HashMap<>();
                boolean late = n == NODES - 1;
                for (int chain = 0; chain < CHAINS; chain++) {
                    String id = Integer.toString(chain);
                    ChainDb db = new ChainDb(id, dbConfig);
                    if (!late) {
                        db.produce(HEIGHT, dbConfig.payloadSize());
                    }
                    mine.put(id, db);
                    NetworkId network = SyncCodec.network(id);
                    node.join(network, net, new SyncSession(db, dbConfig), new SyncResponder(db, dbConfig));
                }
                dbs.add(mine);
            }
            Map<String, ChainDb> late = dbs.get(NODES - 1);
            Cluster.until("the late node caught up every chain",
                    () -> late.values().stream().allMatch(db -> db.height() == HEIGHT));
            for (Map<String, ChainDb> node : dbs) {
                for (ChainDb db : node.values()) {
                    assertThat(db.height()).isEqualTo(HEIGHT);
                    assertThat(db.verifyAll().valid()).as("hash links of chain %s", db).isTrue();
                }
            }
            long synced = late.values().stream().mapToLong(db -> db.stats().snapshot().blocksSynced()).sum();
            assertThat(synced).as("each block fetched exactly once").isEqualTo((long) CHAINS * HEIGHT);
            for (P2pNode n : c.nodes) {
                assertThat(n.tcpConnections()).isLessThanOrEqualTo(n.connectedPeers());
            }
        }
    }
}
