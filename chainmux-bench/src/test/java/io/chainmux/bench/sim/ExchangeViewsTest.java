package io.chainmux.bench.sim;

import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.p2p.PeerExchangeConfig;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ExchangeViewsTest {
    private static final int CAPACITY = 300;

    static PeerId id(int n) {
        return PeerId.of(ByteBuffer.allocate(PeerId.KEY_LENGTH).putInt(n).array());
    }

    static Set<Integer> view(ExchangeViews v, int node) {
        Set<Integer> s = new HashSet<>();
        for (int i = 0; i < v.size(node); i++) {
            s.add(v.peers(node)[i]);
        }
        return s;
    }

    /** Like the node's responder, the model answers each asker from its own point of the list. */
    @Test
    void newNodesAskingOneSeedLearnDifferentPeers() {
        ExchangeViews v = new ExchangeViews(CAPACITY, PeerExchangeConfig.defaults(), 7, ExchangeViewsTest::id);
        for (int n = 0; n < 200; n++) {
            v.add(n);
        }
        for (int s = 0; s < ExchangeViews.SEEDS; s++) {
            for (int p = ExchangeViews.SEEDS; p < 200; p++) {
                v.learn(s, p); // each seed knows all 199 other nodes
            }
        }
        Set<Integer> union = new HashSet<>();
        Set<Set<Integer>> views = new HashSet<>();
        Random random = new Random(1);
        for (int n = 200; n < 220; n++) {
            v.add(n);
            v.exchange(n, random, m -> m < ExchangeViews.SEEDS); // asks two of the seeds (the rest are down)
            Set<Integer> learned = view(v, n);
            int fresh = PeerExchangeConfig.defaults().maxNewPeers();
            assertThat(learned).hasSizeBetween(ExchangeViews.SEEDS + fresh, ExchangeViews.SEEDS + 2 * fresh);
            union.addAll(learned);
            views.add(learned);
        }
        // answered from the start of each seed's list, 20 new nodes would share at most 3 x 32 peers
        assertThat(views).as("20 new nodes' views").hasSizeGreaterThan(15);
        assertThat(union).as("peers the 20 new nodes learned, of 199").hasSizeGreaterThan(150);
    }
}
