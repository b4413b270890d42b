package io.chainmux.p2p;

import io.chainmux.endpoint.PeerAddress;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The detail of a REFUSED_BUSY reset: alternative peers to try, as UTF-8 text, one
 * {@code peer-id@host:port} per line ({@code \n}-separated), at most {@link #MAX_PEERS} entries and
 * 1000 bytes (the RESET detail limit; entries that do not fit are left out). A receiver ignores lines
 * it cannot parse or that lack a peer id, and reads at most {@link #MAX_PEERS} entries.
 *
 * <pre>
 * cmr3k...q@10.0.0.7:7000
 * cm7hz...a@[2001:db8::1]:7000
 * </pre>
 */
public final class BusyDetail {
    public static final int MAX_BYTES = 1000;
    public static final int MAX_PEERS = 12;

    private BusyDetail() {}

    public static byte[] encode(List<PeerAddress> peers) {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (PeerAddress p : peers) {
            if (n == MAX_PEERS) {
                break;
            }
            String line = p.toString();
            int bytes = line.getBytes(StandardCharsets.UTF_8).length + (sb.length() == 0 ? 0 : 1);
            if (p.expectedPeer() == null || sb.length() + bytes > MAX_BYTES) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(line);
            n++;
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static List<PeerAddress> decode(byte[] detail) {
        List<PeerAddress> peers = new ArrayList<>();
        if (detail == null || detail.length == 0) {
            return peers;
        }
        for (String line : new String(detail, StandardCharsets.UTF_8).split("\n")) {
            if (peers.size() == MAX_PEERS) {
                break;
            }
            try {
                PeerAddress a = PeerAddress.parse(line);
                if (a.expectedPeer() != null) {
                    peers.add(a);
                }
            } catch (IllegalArgumentException ignored) {
                // a peer we cannot use; the others still help
            }
        }
        return peers;
    }
}
