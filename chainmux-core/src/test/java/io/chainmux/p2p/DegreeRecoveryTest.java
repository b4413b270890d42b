package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import io.chainmux.endpoint.identity.PeerId;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.chainmux.p2p.Cluster.CHAIN;
import static io.chainmux.p2p.Cluster.ECHO;
import static io.chainmux.p2p.Cluster.PING_AND_HOLD;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A peer leaves a running network (its process stops): every other node's sessions with it end,
 * and each node returns to its degree on every chain from its peer database, within a stated time
 * (the failure and restart of a peer's process at the connection level are in
 * {@code endpoint.FaultInjectionTest}; a restart from the peer database in {@code P2pNetworkTest}).
 */
class DegreeRecoveryTest {
    /** Session restart 50 ms, backoff 100 ms .. 1 s (Cluster.CHAIN): well inside this. */
    private static final Duration RECOVERY = Duration.ofSeconds(10);

    @Test
    void theNetworkReturnsToItsDegreeAfterAPeerLeaves() throws Exception {
        List<NetworkId> chains = Cluster.chains(10);
        try (Cluster c = new Cluster()) {
            P2pNode first = c.start(b -> b);
            for (int i = 1; i < 5; i++) {
                c.start(b -> b.bootstrap(List.of(first.address())));
            }
            List<CompletableFuture<Void>> ready = new ArrayList<>();
            for (P2pNode n : c.nodes) {
                n.peerDb().whenSize(4).get(Cluster.WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
                for (NetworkId id : chains) {
                    ready.add(n.join(id, CHAIN, PING_AND_HOLD, ECHO).ready());
                }
            }
            Cluster.awaitAll("every node at degree 2 on every chain", ready);

            P2pNode gone = c.nodes.remove(c.nodes.size() - 1);
            PeerId goneId = gone.id();
            long start = System.nanoTime();
            gone.close();
            Cluster.until("every node back at degree 2 without the peer that left", () -> {
                for (P2pNode n : c.nodes) {
                    for (NetworkId id : chains) {
                        var out = n.network(id).outgoingPeers();
                        if (out.size() < CHAIN.targetDegree() || out.contains(goneId)) {
                            return false;
                        }
                    }
                }
                return true;
            });
            Duration back = Duration.ofNanos(System.nanoTime() - start);
            System.out.printf("fault peer left: 4 nodes x %d chains back at degree %d in %d ms%n", chains.size(),
                    CHAIN.targetDegree(), back.toMillis());
            assertThat(back).isLessThan(RECOVERY);
        }
    }
}
