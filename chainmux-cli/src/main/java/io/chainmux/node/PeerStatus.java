package io.chainmux.node;

import io.chainmux.endpoint.Endpoint;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.mux.MuxConnection;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code /peers} document: one row per peer, as an operator wants to see it. {@code lastFailure}
 * says why the last dial to the peer failed (null if none did), {@code lastFailureAt} when (ISO-8601).
 */
public record PeerStatus(String peer, String address, int stripes, int streams, Double rttMillis, long bytesIn,
                         long bytesOut, Map<String, Integer> streamsPerNetwork, String lastFailure,
                         String lastFailureAt) {

    public static List<PeerStatus> of(Endpoint endpoint) {
        List<PeerStatus> rows = new ArrayList<>();
        for (PeerConnection pc : endpoint.peers()) {
            List<MuxConnection> up = pc.stripedConnections();
            long in = 0;
            long out = 0;
            int streams = 0;
            for (MuxConnection s : up) {
                in += s.stats().bytesIn();
                out += s.stats().bytesOut();
                streams += s.streamCount();
            }
            Duration rtt = up.isEmpty() ? null : up.get(0).rtt();
            PeerAddress a = pc.address();
            long failedAt = pc.lastFailureMillis();
            rows.add(new PeerStatus(pc.peerId().toString(), a == null ? "" : a.hostPort(), up.size(), streams,
                    rtt == null ? null : rtt.toNanos() / 1e6, in, out, new TreeMap<>(), pc.lastFailure(),
                    failedAt == 0 ? null : Instant.ofEpochMilli(failedAt).toString()));
        }
        rows.sort((x, y) -> x.peer().compareTo(y.peer()));
        return rows;
    }

    /** A copy with per-network stream counts filled in (from the broker, which knows the networks). */
    public PeerStatus withNetworks(Map<String, Integer> perNetwork) {
        return new PeerStatus(peer, address, stripes, streams, rttMillis, bytesIn, bytesOut, new TreeMap<>(perNetwork),
                lastFailure, lastFailureAt);
    }
}
