package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import io.chainmux.endpoint.Endpoint;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.mux.MuxConnection;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The unshared mode ({@link EndpointConfig#connectionPerStream()}): the same sessions, but every stream
 * a node opens gets a TCP connection and handshake of its own, closed when it ends. The
 * peer here serves the networks without asking them (degree 0), so every connection counted is one
 * of the unshared node's sessions.
 */
class UnsharedModeTest {
    private static final int NETWORKS = 5;
    /** Neither node asks for peers: the unshared node knows its peer from the bootstrap. */
    private static final PeerExchangeConfig QUIET_EXCHANGE = PeerExchangeConfig.defaults().withNetwork(
            PeerExchangeConfig.defaults().network().toBuilder().targetDegree(0).build());

    @Test
    void everyStreamHasATcpConnectionOfItsOwn() throws Exception {
        try (Cluster c = new Cluster()) {
            P2pNode server = c.start(b -> b.exchange(QUIET_EXCHANGE));
            P2pNode unshared = startUnshared(c, server);
            List<CompletableFuture<Void>> ready = new ArrayList<>();
            for (NetworkId id : Cluster.chains(NETWORKS)) {
                server.join(id, Cluster.CHAIN.toBuilder().targetDegree(0).build(), Cluster.PING_AND_HOLD, Cluster.ECHO);
                ready.add(unshared.join(id, Cluster.CHAIN.toBuilder().targetDegree(1).build(), Cluster.PING_AND_HOLD,
                        Cluster.ECHO).ready());
            }
            Cluster.awaitAll("every network of the unshared node at degree 1", ready);

            assertThat(unshared.tcpConnections()).as("one TCP connection per stream").isEqualTo(NETWORKS);
            Cluster.until("the server sees them all", () -> server.tcpConnections() == NETWORKS);
            assertThat(unshared.broker().endpoint().stats().handshakesCompleted()).as("one handshake each")
                    .isEqualTo(NETWORKS);
            PeerConnection pc = unshared.broker().endpoint().peer(server.id());
            assertThat(pc.stripeCount()).as("no shared stripe").isZero();
            for (MuxConnection s : pc.connections()) {
                assertThat(s.stats().streamsOpenedLocal()).as("streams on one unstriped connection").isEqualTo(1);
            }
            for (P2pNetwork n : server.networks()) {
                assertThat(n.stats().activeOutgoing()).as("a degree-0 network asks nobody").isZero();
            }
        }
    }

    @Test
    void aConnectionClosesWhenItsStreamEnds() throws Exception {
        try (Cluster c = new Cluster()) {
            P2pNode server = c.start(b -> b.exchange(QUIET_EXCHANGE));
            P2pNode unshared = startUnshared(c, server);
            List<P2pNetwork> networks = new ArrayList<>();
            for (NetworkId id : Cluster.chains(NETWORKS)) {
                server.join(id, Cluster.CHAIN.toBuilder().targetDegree(0).build(), Cluster.PING, Cluster.ECHO);
                // one session each: pings once and ends; its slot is not refilled within the test
                networks.add(unshared.join(id, Cluster.CHAIN.toBuilder().targetDegree(1)
                        .restartDelay(Duration.ofHours(1)).build(), Cluster.PING, Cluster.ECHO));
            }
            Cluster.until("every session ended ok", () -> networks.stream().allMatch(n -> n.stats().sessionsOk() == 1));
            Cluster.until("every connection closed at both ends",
                    () -> unshared.tcpConnections() == 0 && server.tcpConnections() == 0);
            assertThat(unshared.broker().endpoint().stats().handshakesCompleted()).isEqualTo(NETWORKS);
            assertThat(unshared.broker().endpoint().stats().connectionsLost()).as("closed, not lost").isZero();
            assertThat(networks.stream().mapToLong(n -> n.stats().sessionsFailed()).sum()).isZero();
        }
    }

    @Test
    void moreOpensAtOnceThanDialsAllowedInProgressAllConnect() throws Exception {
        int networks = 2 * Endpoint.MAX_UNSTRIPED_DIALS + 1; // the rest wait their turn, none is lost
        try (Cluster c = new Cluster()) {
            P2pNode server = c.start(b -> { // every stream is an inbound TCP connection here
                NodeConfig.Builder base = Cluster.config(NodeIdentity.generate(), 1);
                EndpointConfig ec = base.build().endpoint().toBuilder().maxInboundPerIp(4 * networks).build();
                return NodeConfig.builder(ec).broker(base.build().broker()).exchange(QUIET_EXCHANGE);
            });
            P2pNode unshared = startUnshared(c, server);
            List<CompletableFuture<Void>> ready = new ArrayList<>();
            for (NetworkId id : Cluster.chains(networks)) {
                server.join(id, Cluster.CHAIN.toBuilder().targetDegree(0).build(), Cluster.PING_AND_HOLD, Cluster.ECHO);
                ready.add(unshared.join(id, Cluster.CHAIN.toBuilder().targetDegree(1).build(), Cluster.PING_AND_HOLD,
                        Cluster.ECHO).ready());
            }
            Cluster.awaitAll("every network of the unshared node at degree 1", ready);
            assertThat(unshared.tcpConnections()).isEqualTo(networks);
            assertThat(unshared.broker().endpoint().stats().handshakesCompleted()).isEqualTo(networks);
        }
    }

    private static P2pNode startUnshared(Cluster c, P2pNode server) {
        return c.start(b -> {
            NodeConfig.Builder base = Cluster.config(NodeIdentity.generate(), 1);
            EndpointConfig ec = base.build().endpoint().toBuilder().connectionPerStream(true).build();
            return NodeConfig.builder(ec).broker(base.build().broker()).exchange(QUIET_EXCHANGE)
                    .bootstrap(List.of(server.address()));
        });
    }
}
