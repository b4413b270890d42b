package io.chainmux.bench.sim;

import io.chainmux.p2p.NetworkConfig;

import java.util.Locale;

/**
 * A peer-choice rule, as the node's own {@link NetworkConfig} settings: the simulator only changes
 * those, the choosing is the node's code.
 *
 * @param name   as given on the command line and shown in tables
 * @param config the network configuration every chain of every node uses
 */
record SimRule(String name, NetworkConfig config) {
    /**
     * Parses a rule: {@code independent} (no preference for connected peers), {@code sharing} (chainweb's
     * bias alone: prefer connected peers on 95 % of picks), {@code capN} (sharing, and stop
     * exploring once connected to N peers; the node's default is cap 2 x degree), {@code sharing-pX} (prefer connected peers on a share X of picks).
     */
    static SimRule parse(String text, int degree) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        NetworkConfig.Builder b = NetworkConfig.builder().targetDegree(degree);
        if (s.equals("independent")) {
            return new SimRule(s, b.sharingAware(false).build());
        }
        if (s.equals("sharing")) {
            return new SimRule(s, b.sharingPeerCap(0).build());
        }
        try {
            if (s.startsWith("cap")) {
                return new SimRule(s, b.sharingPeerCap(Integer.parseInt(s.substring(3))).build());
            }
            if (s.startsWith("sharing-p")) {
                return new SimRule(s, b.sharingPeerCap(0).sharingProbability(Double.parseDouble(s.substring(9))).build());
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad rule '" + text + "': " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("unknown rule '" + text
                + "'; expected independent, sharing, capN (e.g. cap16) or sharing-pX (e.g. sharing-p0.99)");
    }
}
