package io.chainmux.bench.scale;

import io.chainmux.broker.BrokerConfig;
import io.chainmux.broker.Dispatch;
import io.chainmux.chaindb.ChainDb;
import io.chainmux.chaindb.ChainDbConfig;
import io.chainmux.chaindb.SyncCodec;
import io.chainmux.chaindb.SyncResponder;
import io.chainmux.chaindb.SyncSession;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.p2p.NetworkConfig;
import io.chainmux.p2p.NodeConfig;
import io.chainmux.p2p.P2pNode;
import io.chainmux.p2p.PeerExchangeConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The peers of the node under test, in this (the coordinator's) JVM: real chainmux nodes, each with its
 * own identity, endpoint and loopback listener, configured cheap (one event-loop thread, one worker) and
 * accept-only (degree 0 on every network, the peer exchange included): they serve every chain and the
 * small-message network and ask nothing, so every stream is one the node under test opened.
 * One chain database per chain is shared by all peers (they would hold identical canonical blocks
 * anyway), which keeps 16 x 1000 chains in little memory; {@link #produce} grows a chain on every peer
 * at once.
 */
final class PeerFarm implements AutoCloseable {
    private final List<P2pNode> nodes = new ArrayList<>();
    private final List<ChainDb> chains = new ArrayList<>();
    private final int blockSize;

    PeerFarm(ScaleSettings s) {
        this.blockSize = s.blockSize();
        ChainDbConfig dbConfig = NodeUnderTest.chainDbConfig(s.blockSize());
        for (int c = 0; c < s.chains(); c++) {
            chains.add(new ChainDb(Integer.toString(c), dbConfig));
        }
        PeerExchangeConfig quiet = PeerExchangeConfig.defaults().withNetwork(
                PeerExchangeConfig.defaults().network().toBuilder().targetDegree(0).build());
        // One inbound session per chain from the node under test, replaced when it times out: room for overlap.
        NetworkConfig serve = NetworkConfig.builder().targetDegree(0).maxInboundSessions(4).build();
        NetworkConfig servePing = serve.toBuilder().dispatch(Dispatch.PRIORITY).build();
        // Unshared: every stream of the node under test is an inbound TCP connection here.
        int inbound = 4 * s.chains() + 64;
        try {
            for (int p = 0; p < s.peers(); p++) {
                EndpointConfig ec = EndpointConfig.builder(NodeIdentity.generate()).listen("127.0.0.1:0").ioThreads(1)
                        .maxInboundConnections(inbound).maxInboundPerIp(inbound).shutdownGrace(Duration.ofSeconds(1))
                        .build();
                P2pNode n = P2pNode.start(NodeConfig.builder(ec).exchange(quiet)
                        .broker(BrokerConfig.defaults().withWorkerThreads(1).withCloseGrace(Duration.ofSeconds(1))).build());
                nodes.add(n);
                for (ChainDb db : chains) {
                    n.join(SyncCodec.network(db.chainId()), serve, new SyncSession(db, dbConfig),
                            new SyncResponder(db, dbConfig));
                }
                n.join(NodeUnderTest.PING, servePing, ctx -> {
                    throw new IllegalStateException("accept-only: never asks");
                }, new PingEcho());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    List<PeerAddress> addresses() {
        return nodes.stream().map(P2pNode::address).toList();
    }

    int chains() {
        return chains.size();
    }

    /** Adds {@code n} canonical blocks to chain {@code chain} (on every peer: the database is shared). */
    void produce(int chain, int n) {
        chains.get(chain).produce(n, blockSize);
    }

    /** Sum of the chains' heights: what the node under test holds once it is in sync. */
    long heightSum() {
        long sum = 0;
        for (ChainDb db : chains) {
            sum += db.height();
        }
        return sum;
    }

    @Override
    public void close() {
        nodes.parallelStream().forEach(P2pNode::close);
    }
}
