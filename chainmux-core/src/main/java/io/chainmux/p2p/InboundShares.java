package io.chainmux.p2p;

import io.chainmux.endpoint.identity.PeerId;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * A node's inbound session slots over all its networks, and how many each peer and each remote
 * address holds: none may hold more than {@code maxShare} of the node's slots (the sum of its
 * networks' {@code maxInboundSessions}), so one identity, or a few identities from one address,
 * cannot take a thousand networks' slots by holding a fair-looking share of each. Addresses are
 * counted only when {@code countAddresses} says so (loopback peers are exempt unless the endpoint
 * limits loopback). Thread-safe: networks take and release slots from their own executors.
 */
final class InboundShares {
    private final double maxShare;
    private final boolean limitLoopback;
    private final Map<PeerId, Integer> byPeer = new HashMap<>();
    private final Map<InetAddress, Integer> byAddress = new HashMap<>();
    private long totalSlots;

    InboundShares(double maxShare, boolean limitLoopback) {
        this.maxShare = maxShare;
        this.limitLoopback = limitLoopback;
    }

    /** Whether per-address limits apply to {@code ip} (null: unknown, never counted). */
    boolean countsAddress(InetAddress ip) {
        return ip != null && (limitLoopback || !ip.isLoopbackAddress());
    }

    synchronized void addNetwork(int slots) {
        totalSlots += slots;
    }

    /** The most inbound sessions one peer or address may hold over all networks. */
    synchronized long cap() {
        return Math.max(1, (long) Math.floor(totalSlots * maxShare));
    }

    /**
     * Takes a slot for {@code peer} from {@code ip}, or says which share is used up.
     *
     * @return null if taken, else the refusal in words
     */
    synchronized String tryTake(PeerId peer, InetAddress ip) {
        long cap = cap();
        if (byPeer.getOrDefault(peer, 0) >= cap) {
            return "peer " + peer.shortForm() + " holds " + cap + " inbound sessions, its share of the node's";
        }
        boolean counted = countsAddress(ip);
        if (counted && byAddress.getOrDefault(ip, 0) >= cap) {
            return "address " + ip.getHostAddress() + " holds " + cap + " inbound sessions, its share of the node's";
        }
        byPeer.merge(peer, 1, Integer::sum);
        if (counted) {
            byAddress.merge(ip, 1, Integer::sum);
        }
        return null;
    }

    synchronized void release(PeerId peer, InetAddress ip) {
        byPeer.computeIfPresent(peer, (k, n) -> n <= 1 ? null : n - 1);
        if (countsAddress(ip)) {
            byAddress.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    synchronized int held(PeerId peer) {
        return byPeer.getOrDefault(peer, 0);
    }
}
