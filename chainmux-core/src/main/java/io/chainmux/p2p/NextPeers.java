package io.chainmux.p2p;

import io.chainmux.endpoint.identity.PeerId;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * The request side's decision for one network: which peers fill its free outgoing slots. Among the
 * known peers, those eligible (not unavailable to this network, out of their failure backoff) are
 * picked one at a time by {@link PeerPicker}; each pick is started before the next, so a dial it
 * begins counts as connected for the next pick.
 *
 * <p>{@link P2pNetwork} calls it with its peer database and its broker's view of TCP connections;
 * the benchmark module's simulator calls it with thousands of simulated nodes and no sockets.
 * Not thread-safe: one caller at a time (a network calls it on its executor).
 */
public final class NextPeers {
    private final NetworkConfig config;
    private final PeerPicker picker;

    /**
     * @param connected      whether this node has a TCP connection to (or is dialing) a peer
     * @param connectedPeers how many peers this node has a TCP connection to (or is dialing)
     */
    public NextPeers(NetworkConfig config, Random random, Predicate<PeerId> connected, IntSupplier connectedPeers) {
        this.config = config;
        this.picker = new PeerPicker(config, random, connected, connectedPeers);
    }

    /**
     * Picks up to {@code need} different peers among {@code known} and calls {@code start} with each, in turn.
     *
     * @param unavailable peers this network must not pick now (already in a session with it, cooling down)
     * @return how many were started (fewer than {@code need} when eligible peers ran out)
     */
    public int fill(int need, Collection<PeerInfo> known, long nowMillis, Predicate<PeerId> unavailable,
                    Consumer<PeerInfo> start) {
        List<PeerInfo> candidates = new ArrayList<>();
        for (PeerInfo p : known) {
            if (eligible(p, nowMillis, unavailable)) {
                candidates.add(p);
            }
        }
        int started = 0;
        while (started < need) {
            PeerInfo p = picker.pick(candidates);
            if (p == null) {
                break;
            }
            candidates.remove(p);
            start.accept(p);
            started++;
        }
        return started;
    }

    /** How many of {@code known} {@link #fill} could pick now (so a caller asks for no more start permits). */
    public int eligible(Collection<PeerInfo> known, long nowMillis, Predicate<PeerId> unavailable) {
        int n = 0;
        for (PeerInfo p : known) {
            if (eligible(p, nowMillis, unavailable)) {
                n++;
            }
        }
        return n;
    }

    private boolean eligible(PeerInfo p, long now, Predicate<PeerId> unavailable) {
        return !unavailable.test(p.id())
                && (p.successiveFailures() == 0
                || now >= p.lastFailure() + config.backoff(p.successiveFailures()).toMillis());
    }
}
