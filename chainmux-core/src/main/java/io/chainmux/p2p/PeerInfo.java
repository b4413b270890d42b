package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.PeerId;

import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * What the {@link PeerDb} knows about one peer; an immutable snapshot.
 *
 * @param id                 the peer's identity
 * @param address            where to dial it (always carries {@code id})
 * @param networks           networks it is known to serve (learned from sessions)
 * @param notServing         networks it refused as unknown (not persisted)
 * @param successiveFailures failed sessions or dials since the last success
 * @param successes          successful sessions, ever
 * @param lastSuccess        epoch millis of the last success, 0 if none
 * @param lastFailure        epoch millis of the last failure, 0 if none
 * @param score              selection weight in [{@link PeerDb#MIN_SCORE}, {@link PeerDb#MAX_SCORE}]
 * @param sticky             a bootstrap peer: never pruned, never removed
 * @param activeSessions     sessions running with it now, over all networks (not persisted)
 */
public record PeerInfo(PeerId id, PeerAddress address, Set<NetworkId> networks, Set<NetworkId> notServing,
                       int successiveFailures, long successes, long lastSuccess, long lastFailure, double score,
                       boolean sticky, int activeSessions) {
    public PeerInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        if (!id.equals(address.expectedPeer())) {
            throw new IllegalArgumentException("address " + address + " does not carry peer id " + id);
        }
        networks = Set.copyOf(networks);
        notServing = Set.copyOf(notServing);
    }

    static PeerInfo fresh(PeerAddress address, boolean sticky) {
        return new PeerInfo(address.expectedPeer(), address, Set.of(), Set.of(), 0, 0, 0, 0, PeerDb.INITIAL_SCORE,
                sticky, 0);
    }

    /** Whether the peer may serve {@code network}: not known to refuse it. */
    public boolean mayServe(NetworkId network) {
        return !notServing.contains(network);
    }

    PeerInfo withAddress(PeerAddress a) {
        return new PeerInfo(id, a, networks, notServing, successiveFailures, successes, lastSuccess, lastFailure,
                score, sticky, activeSessions);
    }

    PeerInfo withSticky(boolean s) {
        return new PeerInfo(id, address, networks, notServing, successiveFailures, successes, lastSuccess,
                lastFailure, score, s, activeSessions);
    }

    /** The same peer with its failure backoff cleared (history and score kept): dial it at once. */
    PeerInfo retryNow() {
        return new PeerInfo(id, address, networks, notServing, 0, successes, lastSuccess, lastFailure, score, sticky,
                activeSessions);
    }

    PeerInfo withActive(int delta) {
        return new PeerInfo(id, address, networks, notServing, successiveFailures, successes, lastSuccess,
                lastFailure, score, sticky, Math.max(0, activeSessions + delta));
    }

    PeerInfo withServes(NetworkId network, boolean serves) {
        Set<NetworkId> yes = new HashSet<>(networks);
        Set<NetworkId> no = new HashSet<>(notServing);
        if (serves) {
            yes.add(network);
            no.remove(network);
        } else {
            yes.remove(network);
            no.add(network);
        }
        return new PeerInfo(id, address, yes, no, successiveFailures, successes, lastSuccess, lastFailure, score,
                sticky, activeSessions);
    }

    PeerInfo succeeded(long now) {
        return new PeerInfo(id, address, networks, notServing, 0, successes + 1, now, lastFailure,
                Math.min(PeerDb.MAX_SCORE, score + PeerDb.SUCCESS_BONUS), sticky, activeSessions);
    }

    /** A connection to it broke: the score halves, the last failure moves, no successive failure (no backoff). */
    PeerInfo lost(long now) {
        return new PeerInfo(id, address, networks, notServing, successiveFailures, successes, lastSuccess, now,
                Math.max(PeerDb.MIN_SCORE, score / 2), sticky, activeSessions);
    }

    PeerInfo failed(long now, boolean misbehaved) {
        double s = misbehaved ? PeerDb.MIN_SCORE : Math.max(PeerDb.MIN_SCORE, score / 2);
        return new PeerInfo(id, address, networks, notServing, successiveFailures + 1, successes, lastSuccess, now,
                s, sticky, activeSessions);
    }
}
