package io.chainmux.p2p;

import io.chainmux.endpoint.identity.PeerId;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * One network's inbound session slots: at most {@link NetworkConfig#maxInboundSessions()} in all,
 * {@link NetworkConfig#maxInboundPerPeer()} per peer and {@link NetworkConfig#maxInboundPerAddress()}
 * per remote address, within the node-wide {@link InboundShares}. An honest peer holds one session
 * per network (its request side never runs two with one peer), two while one ends and the next
 * starts; a peer that asks for more is refused, so it cannot crowd honest peers out. Thread-safe.
 */
final class InboundSlots {
    /** Why an open was refused. */
    enum Refusal {
        /** The network's slots are all taken (by many peers): busy, try the alternatives. */
        FULL,
        /** The peer, or its address, already holds its share here or over the node. */
        SHARE
    }

    private final NetworkConfig config;
    private final InboundShares node;
    private final Map<PeerId, Integer> byPeer = new HashMap<>();
    private final Map<InetAddress, Integer> byAddress = new HashMap<>();
    private int taken;
    /** The last refusal in words, for the log. */
    private String lastReason = "";

    InboundSlots(NetworkConfig config, InboundShares node) {
        this.config = config;
        this.node = node;
        node.addNetwork(config.maxInboundSessions());
    }

    /** Takes a slot for {@code peer} from {@code ip} (null if unknown); null if taken, else why not. */
    synchronized Refusal tryTake(PeerId peer, InetAddress ip) {
        if (byPeer.getOrDefault(peer, 0) >= config.maxInboundPerPeer()) {
            lastReason = "peer " + peer.shortForm() + " holds " + config.maxInboundPerPeer() + " sessions here";
            return Refusal.SHARE;
        }
        boolean counted = node.countsAddress(ip);
        if (counted && byAddress.getOrDefault(ip, 0) >= config.maxInboundPerAddress()) {
            lastReason = "address " + ip.getHostAddress() + " holds " + config.maxInboundPerAddress() + " sessions here";
            return Refusal.SHARE;
        }
        if (taken >= config.maxInboundSessions()) {
            lastReason = "all " + config.maxInboundSessions() + " inbound slots are taken";
            return Refusal.FULL;
        }
        String overNode = node.tryTake(peer, ip);
        if (overNode != null) {
            lastReason = overNode;
            return Refusal.SHARE;
        }
        taken++;
        byPeer.merge(peer, 1, Integer::sum);
        if (counted) {
            byAddress.merge(ip, 1, Integer::sum);
        }
        return null;
    }

    synchronized void release(PeerId peer, InetAddress ip) {
        byPeer.computeIfPresent(peer, (k, n) -> n <= 1 ? null : n - 1);
        if (node.countsAddress(ip)) {
            byAddress.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
        }
        taken = Math.max(0, taken - 1);
        node.release(peer, ip);
    }

    synchronized String lastReason() {
        return lastReason;
    }
}
