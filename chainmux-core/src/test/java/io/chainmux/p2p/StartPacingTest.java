package io.chainmux.p2p;

import io.chainmux.broker.Dispatch;
import io.chainmux.broker.NetworkId;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.NodeIdentity;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.chainmux.p2p.Cluster.ECHO;
import static io.chainmux.p2p.Cluster.PING_AND_HOLD;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Node-wide pacing of session starts over real loopback sockets: many networks starting at once never
 * have more opens in flight than the node's limit, still all reach their degree, and a
 * {@link Dispatch#PRIORITY} network is not held back by the pacing.
 */
class StartPacingTest {
    static final int CHAINS = 40;
    static final int PEERS = 3;

    @Test
    void opensInFlightNeverExceedTheLimitAndEveryNetworkStillFormsIt() throws Exception {
        StartPacer pacer = formAll(4);
        assertThat(pacer.highWater()).as("opens in flight at most").isEqualTo(4);
        assertThat(pacer.waits()).as("networks that waited their turn").isPositive();
        assertThat(pacer.inFlight()).isZero();
        assertThat(pacer.waitingSessions()).isZero();
    }

    @Test
    void withoutALowLimitTheSameStartHasManyMoreOpensInFlight() throws Exception {
        // the control: the setup above does start more than 4 opens at once when let
        assertThat(formAll(10_000).highWater()).isGreaterThan(4);
    }

    @Test
    void aPriorityNetworkStartsWhileThePacedOnesWait() throws Exception {
        try (Cluster c = new Cluster()) {
            P2pNode node = c.start(b -> b.maxStartsInFlight(1));
            // hold the node's only permit before it knows any peer: no paced network can open anything
            StartPacer pacer = node.startPacer();
            assertThat(pacer.acquireOrWait(1, () -> { })).isEqualTo(1);
            List<P2pNode> peers = peers(c, node);
            NetworkId shared = NetworkId.of("shared", Cluster.PING_PROTOCOL, 1);
            NetworkId urgent = NetworkId.of("urgent", Cluster.PING_PROTOCOL, 1);
            NetworkConfig urgentConfig = Cluster.CHAIN.toBuilder().dispatch(Dispatch.PRIORITY).build();
            for (P2pNode p : peers) {
                p.join(shared, Cluster.CHAIN.toBuilder().targetDegree(1).build(), PING_AND_HOLD, ECHO);
                p.join(urgent, urgentConfig.toBuilder().targetDegree(1).build(), PING_AND_HOLD, ECHO);
            }
            P2pNetwork pacedNet = node.join(shared, Cluster.CHAIN, PING_AND_HOLD, ECHO);
            P2pNetwork urgentNet = node.join(urgent, urgentConfig, PING_AND_HOLD, ECHO);
            Cluster.until("the paced network's two slots wait for a permit", () -> node.sessionStartsWaiting() >= 2);
            Cluster.awaitAll("the priority network at its degree", List.of(urgentNet.ready()));
            assertThat(pacedNet.outgoingPeers()).as("the paced network opened nothing").isEmpty();
            assertThat(pacedNet.stats().pendingOutgoing()).isZero();
            pacer.release();
            Cluster.awaitAll("the paced network at its degree once the permit is back", List.of(pacedNet.ready()));
            assertThat(pacer.highWater()).isEqualTo(1);
        }
    }

    @Test
    void anOpenWaitingForADeadPeersDialHoldsNoPermit() throws Exception {
        // The dead peer: a loopback listener that accepts TCP and never answers the handshake, whose dial
        // fails only at the handshake timeout (set far beyond the test's wait). A closed port would be
        // refused at once on loopback, too quickly to hold anything.
        try (Cluster c = new Cluster(); ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            EndpointConfig ec = EndpointConfig.builder(NodeIdentity.generate()).listen("127.0.0.1:0").ioThreads(1)
                    .handshakeTimeout(Duration.ofMinutes(5)).shutdownGrace(Duration.ofMillis(200)).build();
            P2pNode node = P2pNode.start(NodeConfig.builder(ec).maxStartsInFlight(1).build());
            c.nodes.add(node);
            PeerAddress dead = PeerAddress.parse(NodeIdentity.generate().peerId() + "@127.0.0.1:" + silent.getLocalPort());
            NetworkId first = NetworkId.of("first", Cluster.PING_PROTOCOL, 1);
            NetworkId second = NetworkId.of("second", Cluster.PING_PROTOCOL, 1);
            NetworkConfig one = Cluster.CHAIN.toBuilder().targetDegree(1).build();
            node.peerDb().add(dead, true);
            P2pNetwork waiting = node.join(first, one, PING_AND_HOLD, ECHO);
            Cluster.until("the first network's slot waits for the dead peer's dial",
                    () -> waiting.stats().pendingOutgoing() == 1);

            // The second network may pick the dead peer too (its dial counts as a connection for the
            // sharing bias), so it asks for both: its session with the live peer must not wait for the dial.
            P2pNode live = c.start(b -> b);
            live.join(second, one, PING_AND_HOLD, ECHO);
            node.peerDb().add(live.address(), true);
            P2pNetwork formed = node.join(second, Cluster.CHAIN, PING_AND_HOLD, ECHO);
            Cluster.until("the second network's session with the live peer while the dial to the dead peer hangs",
                    () -> formed.stats().activeOutgoing() == 1);
            assertThat(formed.outgoingPeers()).contains(live.address().expectedPeer());
            assertThat(waiting.stats().pendingOutgoing()).as("still waiting for the dead peer's dial").isEqualTo(1);
            assertThat(waiting.outgoingPeers()).containsExactly(dead.expectedPeer());
            assertThat(node.startPacer().highWater()).isEqualTo(1);
            assertThat(node.startPacer().dialHoldsCut()).as("permits given back by opens waiting for the dial")
                    .isPositive();
        }
    }

    /** One node with the limit, {@link #PEERS} peers, {@link #CHAINS} networks joined at once; their pacer. */
    private static StartPacer formAll(int limit) throws Exception {
        try (Cluster c = new Cluster()) {
            P2pNode node = c.start(b -> b.maxStartsInFlight(limit));
            List<P2pNode> peers = peers(c, node);
            List<NetworkId> chains = Cluster.chains(CHAINS);
            for (P2pNode p : peers) {
                for (NetworkId id : chains) {
                    p.join(id, Cluster.CHAIN.toBuilder().targetDegree(1).build(), PING_AND_HOLD, ECHO);
                }
            }
            List<CompletableFuture<Void>> ready = new ArrayList<>();
            for (NetworkId id : chains) {
                ready.add(node.join(id, Cluster.CHAIN, PING_AND_HOLD, ECHO).ready());
            }
            Cluster.awaitAll("every network of the paced node at degree 2", ready);
            StartPacer pacer = node.startPacer();
            Cluster.until("no open in flight", () -> pacer.inFlight() == 0 && pacer.waitingSessions() == 0);
            return pacer;
        }
    }

    private static List<P2pNode> peers(Cluster c, P2pNode node) {
        List<P2pNode> peers = new ArrayList<>();
        for (int i = 0; i < PEERS; i++) {
            P2pNode p = c.start(b -> b);
            peers.add(p);
            node.peerDb().add(p.address(), true);
        }
        return peers;
    }
}
