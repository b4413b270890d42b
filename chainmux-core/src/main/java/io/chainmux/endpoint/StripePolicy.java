package io.chainmux.endpoint;

import io.chainmux.mux.MuxSession;

import java.util.List;

/**
 * Picks the stripe (TCP connection) of a peer connection that a new logical connection goes on.
 * Called with the established stripes only; returns an index into that list.
 */
@FunctionalInterface
public interface StripePolicy {
    int choose(String networkId, List<MuxSession> stripes);

    /**
     * The default: the stripe with the fewest streams open or opening, ties broken by fewer queued outbound
     * bytes, then by lower index. New sessions spread evenly, and a stripe busy with a bulk transfer
     * (many queued bytes) is avoided.
     */
    StripePolicy LEAST_LOADED = (networkId, stripes) -> {
        int best = 0;
        for (int i = 1; i < stripes.size(); i++) {
            MuxSession a = stripes.get(i);
            MuxSession b = stripes.get(best);
            if (a.load() < b.load() || (a.load() == b.load() && a.queuedBytes() < b.queuedBytes())) {
                best = i;
            }
        }
        return best;
    };

    /** Every logical connection of a network on the same stripe (by hash of the network id). */
    StripePolicy BY_NETWORK = (networkId, stripes) -> Math.floorMod(networkId.hashCode(), stripes.size());
}
