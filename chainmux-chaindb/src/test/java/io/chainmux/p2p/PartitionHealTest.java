package io.chainmux.p2p;

import io.chainmux.chaindb.ChainDb;
import io.chainmux.chaindb.ChainDbConfig;
import io.chainmux.chaindb.SyncCodec;
import io.chainmux.chaindb.SyncResponder;
import io.chainmux.chaindb.SyncSession;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.mux.MuxConnection;
import io.netty.channel.Channel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node whose every TCP connection is cut at once (a partition, then the network is back) regains its
 * degree on every chain: the sync sessions the cut ended are replaced, and the peers' responders of
 * the dead sessions do not hold their inbound slots.
 */
class PartitionHealTest {
    private static final int CHAINS = 20;

    @Test
    void aNodeRegainsItsDegreeAfterAllItsConnectionsAreCut() throws Exception {
        ChainDbConfig dbConfig = ChainDbConfig.builder().payloadSize(64).build();
        NetworkConfig serve = NetworkConfig.builder().targetDegree(0).maxInboundSessions(4).build();
        NetworkConfig ask = NetworkConfig.builder().targetDegree(2).build(); // the node's defaults
        try (Cluster c = new Cluster()) {
            List<P2pNode> peers = new ArrayList<>();
            List<ChainDb> shared = new ArrayList<>();
            for (int chain = 0; chain < CHAINS; chain++) {
                ChainDb db = new ChainDb(Integer.toString(chain), dbConfig);
                db.produce(3, dbConfig.payloadSize());
                shared.add(db);
            }
            for (int p = 0; p < 3; p++) {
                P2pNode peer = c.start(b -> b);
                for (ChainDb db : shared) {
                    peer.join(SyncCodec.network(db.chainId()), serve, new SyncSession(db, dbConfig),
                            new SyncResponder(db, dbConfig));
                }
                peers.add(peer);
            }
            P2pNode node = c.start(b -> b.bootstrap(peers.stream().map(P2pNode::address).toList()));
            List<P2pNetwork> networks = new ArrayList<>();
            List<CompletableFuture<Void>> ready = new ArrayList<>();
            for (int chain = 0; chain < CHAINS; chain++) {
                ChainDb db = new ChainDb(Integer.toString(chain), dbConfig);
                P2pNetwork n = node.join(SyncCodec.network(db.chainId()), ask, new SyncSession(db, dbConfig),
                        new SyncResponder(db, dbConfig));
                networks.add(n);
                ready.add(n.ready());
            }
            Cluster.awaitAll("every chain at degree 2", ready);

            List<Channel> channels = new ArrayList<>();
            for (PeerConnection pc : node.broker().endpoint().peers()) {
                for (MuxConnection m : pc.connections()) {
                    channels.add(m.channel());
                }
            }
            long failedBefore = networks.stream().mapToLong(n -> n.stats().sessionsFailed()).sum();
            channels.forEach(Channel::close);
            Cluster.until("the cut ended sessions", () -> networks.stream()
                    .mapToLong(n -> n.stats().sessionsFailed()).sum() > failedBefore);
            Cluster.until("every chain back at degree 2", () -> networks.stream()
                    .allMatch(n -> n.stats().activeOutgoing() == 2));
            assertThat(node.tcpConnections()).isPositive();
        }
    }
}
