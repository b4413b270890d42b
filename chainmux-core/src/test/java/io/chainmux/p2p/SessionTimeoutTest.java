package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The network cuts each session at its own (jittered) deadline with one timer per network, rearmed for
 * the earliest deadline: every session that holds is cut, again and again, as a success, and its slot
 * refilled.
 */
class SessionTimeoutTest {
    @Test
    void everyHoldingSessionIsCutAtItsDeadlineAndReplaced() {
        NetworkConfig net = Cluster.CHAIN.toBuilder().targetDegree(3).sessionTimeout(Duration.ofMillis(200))
                .timeoutJitter(0.5).restartDelay(Duration.ofMillis(10)).build();
        NetworkConfig serve = Cluster.CHAIN.toBuilder().targetDegree(0).build();
        try (Cluster c = new Cluster()) {
            List<P2pNode> peers = new ArrayList<>();
            NetworkId id = NetworkId.of("0", Cluster.PING_PROTOCOL, 1);
            for (int i = 0; i < 3; i++) {
                P2pNode p = c.start(b -> b);
                p.join(id, serve, Cluster.PING_AND_HOLD, Cluster.ECHO);
                peers.add(p);
            }
            P2pNode node = c.start(b -> b.bootstrap(peers.stream().map(P2pNode::address).toList()));
            P2pNetwork n = node.join(id, net, Cluster.PING_AND_HOLD, Cluster.ECHO);
            Cluster.until("each of the 3 slots cut at least 4 times", () -> n.stats().timeouts() >= 12);
            assertThat(n.stats().sessionsFailed()).as("a cut at the timeout is a success").isZero();
            assertThat(n.stats().sessionsOk()).isGreaterThanOrEqualTo(12);
            Cluster.until("the slots refilled", () -> n.stats().activeOutgoing() == 3);
        }
    }
}
