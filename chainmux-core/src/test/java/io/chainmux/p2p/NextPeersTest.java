package io.chainmux.p2p;

import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.PeerId;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class NextPeersTest {
    private static final long NOW = 1_000_000;

    private static PeerId id(int i) {
        return PeerId.of(ByteBuffer.allocate(PeerId.KEY_LENGTH).putInt(i).array());
    }

    private static List<PeerInfo> peers(int n) {
        List<PeerInfo> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(PeerInfo.fresh(new PeerAddress("10.0.0." + (i + 1), 7000, id(i)), false));
        }
        return out;
    }

    @Test
    void picksDifferentEligiblePeersUpToNeed() {
        List<PeerInfo> known = peers(10);
        Set<PeerId> taken = Set.of(id(0), id(1));
        List<PeerId> started = new ArrayList<>();
        NextPeers next = new NextPeers(NetworkConfig.builder().sharingAware(false).build(), new Random(1),
                p -> false, () -> 0);

        assertThat(next.fill(5, known, NOW, taken::contains, p -> started.add(p.id()))).isEqualTo(5);
        assertThat(started).doesNotHaveDuplicates().hasSize(5).doesNotContain(id(0), id(1));

        started.clear();
        assertThat(next.fill(20, known, NOW, taken::contains, p -> started.add(p.id()))).isEqualTo(8);
        assertThat(new HashSet<>(started)).hasSize(8);
    }

    @Test
    void skipsPeersInBackoffUntilItIsOver() {
        NetworkConfig config = NetworkConfig.builder().sharingAware(false).build();
        long backoff = config.backoff(1).toMillis();
        PeerInfo failedNow = PeerInfo.fresh(new PeerAddress("10.0.0.1", 7000, id(0)), false).failed(NOW, false);
        PeerInfo failedLongAgo = PeerInfo.fresh(new PeerAddress("10.0.0.2", 7000, id(1)), false)
                .failed(NOW - backoff, false);
        List<PeerId> started = new ArrayList<>();
        NextPeers next = new NextPeers(config, new Random(1), p -> false, () -> 0);

        assertThat(next.fill(2, List.of(failedNow, failedLongAgo), NOW, p -> false, p -> started.add(p.id())))
                .isEqualTo(1);
        assertThat(started).containsExactly(id(1));
    }

    @Test
    void sharingAwarePicksConnectedPeersWhenNeverExploring() {
        List<PeerInfo> known = peers(50);
        Set<PeerId> connected = Set.of(id(7), id(21), id(42));
        NextPeers next = new NextPeers(NetworkConfig.builder().sharingProbability(1.0).build(), new Random(3),
                connected::contains, connected::size);
        List<PeerId> started = new ArrayList<>();

        next.fill(3, known, NOW, p -> false, p -> started.add(p.id()));

        assertThat(started).containsExactlyInAnyOrder(id(7), id(21), id(42));
    }

    @Test
    void eachPickStartsBeforeTheNextIsMade() {
        // A dial that a pick begins makes the peer "connected" for the next pick: starting peer i here
        // connects peer i + 1, which a never-exploring sharing-aware picker must then choose.
        List<PeerInfo> known = peers(50);
        Set<PeerId> connected = new HashSet<>();
        NextPeers next = new NextPeers(NetworkConfig.builder().sharingProbability(1.0).build(), new Random(5),
                connected::contains, connected::size);
        List<Integer> started = new ArrayList<>();

        next.fill(4, known, NOW, p -> false, p -> {
            int i = known.indexOf(p);
            started.add(i);
            connected.add(id((i + 1) % 50));
        });

        assertThat(started).hasSize(4);
        for (int k = 1; k < started.size(); k++) {
            assertThat(started.get(k)).isEqualTo((started.get(k - 1) + 1) % 50);
        }
    }
}
