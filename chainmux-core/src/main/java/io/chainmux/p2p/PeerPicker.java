package io.chainmux.p2p;

import io.chainmux.endpoint.identity.PeerId;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Chooses the next peer for an outgoing session: at random, weighted by score. Sharing-aware (like
 * chainweb, by bias rather than coordination): with probability {@code sharingProbability} the choice
 * is restricted to peers this node already has a TCP connection to (or is dialing) with at most
 * {@code sharingMaxFailures} successive failures, when there are any; a logical connection on them
 * costs no new TCP connection. Unlike chainweb, "connected" is the transport's view, so peers that
 * dialed us count too.
 */
final class PeerPicker {
    private final NetworkConfig config;
    private final Random random;
    private final Predicate<PeerId> connected;

    PeerPicker(NetworkConfig config, Random random, Predicate<PeerId> connected) {
        this.config = config;
        this.random = random;
        this.connected = connected;
    }

    /** Picks one of {@code candidates} (all eligible), or null if there are none. */
    PeerInfo pick(List<PeerInfo> candidates) {
        if (candidates.isEmpty()) {
            return null;
        }
        if (config.sharingAware() && random.nextDouble() < config.sharingProbability()) {
            List<PeerInfo> shared = new ArrayList<>();
            for (PeerInfo p : candidates) {
                if (p.successiveFailures() <= config.sharingMaxFailures() && connected.test(p.id())) {
                    shared.add(p);
                }
            }
            if (!shared.isEmpty()) {
                return weighted(shared);
            }
        }
        return weighted(candidates);
    }

    private PeerInfo weighted(List<PeerInfo> peers) {
        double total = 0;
        for (PeerInfo p : peers) {
            total += p.score();
        }
        double x = random.nextDouble() * total;
        for (PeerInfo p : peers) {
            x -= p.score();
            if (x < 0) {
                return p;
            }
        }
        return peers.get(peers.size() - 1);
    }
}
