package io.chainmux.p2p;

import io.chainmux.endpoint.identity.PeerId;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * Chooses the next peer for an outgoing session: at random, weighted by score. Sharing-aware (like
 * chainweb, by bias rather than coordination): with probability {@code sharingProbability} the choice
 * is restricted to peers this node already has a TCP connection to (or is dialing) with at most
 * {@code sharingMaxFailures} successive failures, when there are any; a stream on them
 * costs no new TCP connection. Unlike chainweb, "connected" is the transport's view, so peers that
 * dialed us count too.
 *
 * <p>Chainweb's bias explores (ignores connected peers) on 5% of picks, so the number of distinct
 * peers grows with the number of networks x degree. With {@link NetworkConfig#sharingPeerCap()} set,
 * exploration stops once the node is connected to that many peers: new TCP connections are then made
 * only when no connected peer is eligible.
 */
final class PeerPicker {
    private final NetworkConfig config;
    private final Random random;
    private final Predicate<PeerId> connected;
    private final IntSupplier connectedPeers;

    PeerPicker(NetworkConfig config, Random random, Predicate<PeerId> connected, IntSupplier connectedPeers) {
        this.config = config;
        this.random = random;
        this.connected = connected;
        this.connectedPeers = connectedPeers;
    }

    /** Picks one of {@code candidates} (all eligible), or null if there are none. */
    PeerInfo pick(List<PeerInfo> candidates) {
        if (candidates.isEmpty()) {
            return null;
        }
        if (config.sharingAware()) {
            List<PeerInfo> shared = new ArrayList<>();
            for (PeerInfo p : candidates) {
                if (p.successiveFailures() <= config.sharingMaxFailures() && connected.test(p.id())) {
                    shared.add(p);
                }
            }
            boolean explore = random.nextDouble() >= config.sharingProbability()
                    && (config.sharingPeerCap() == 0 || connectedPeers.getAsInt() < config.sharingPeerCap());
            if (!shared.isEmpty() && !explore) {
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
