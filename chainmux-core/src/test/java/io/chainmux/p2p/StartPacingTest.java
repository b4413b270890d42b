package io.chainmux.p2p;

import io.chainmux.broker.Dispatch;
import io.chainmux.broker.NetworkId;
import org.junit.jupiter.api.Test;

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
