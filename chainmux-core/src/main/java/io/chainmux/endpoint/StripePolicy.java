package io.chainmux.endpoint;

import java.util.Comparator;
import java.util.List;

/**
 * Picks which of a peer's connections (by stripe index) a new stream goes on.
 * Called with the load of the usable stripes only, in index order; returns an index into that list.
 * A stream stays where it was placed; only new streams follow the load.
 */
@FunctionalInterface
public interface StripePolicy {
    int choose(String networkId, TrafficClass traffic, List<StripeLoad> stripes);

    /**
     * The default, by measured load. A stripe carries bulk when bytes pile up in its queue or flow
     * fast ({@link StripeLoad#carriesBulk()}); with K >= 2, new streams avoid such stripes while another
     * is free of bulk. Among the rest, latency-sensitive streams take the stripe with the fewest bytes
     * ahead (queued plus recently sent), then the fewest streams; ordinary streams take the fewest
     * streams, then the fewest bytes ahead, so they spread evenly. Ties go to the lower index.
     */
    StripePolicy MEASURED_LOAD = (networkId, traffic, stripes) -> {
        Comparator<StripeLoad> bulkLast = Comparator.comparing(StripeLoad::carriesBulk);
        Comparator<StripeLoad> order = traffic == TrafficClass.LATENCY_SENSITIVE
                ? bulkLast.thenComparingLong(StripeLoad::bytesAhead).thenComparingInt(StripeLoad::streams)
                : bulkLast.thenComparingInt(StripeLoad::streams).thenComparingLong(StripeLoad::bytesAhead);
        return best(stripes, order);
    };

    /**
     * By stream count alone: the stripe with the fewest streams open or opening, ties broken by fewer
     * queued bytes, then by lower index. Blind to a bulk transfer on a stripe with few streams.
     */
    StripePolicy BY_COUNT = (networkId, traffic, stripes) -> best(stripes,
            Comparator.comparingInt(StripeLoad::streams).thenComparingLong(StripeLoad::queuedBytes));

    /** Every stream of a network on the same stripe (by hash of the network id). */
    StripePolicy BY_NETWORK = (networkId, traffic, stripes) -> Math.floorMod(networkId.hashCode(), stripes.size());

    /** The index of the first stripe that no later one beats under {@code order}. */
    private static int best(List<StripeLoad> stripes, Comparator<StripeLoad> order) {
        int best = 0;
        for (int i = 1; i < stripes.size(); i++) {
            if (order.compare(stripes.get(i), stripes.get(best)) < 0) {
                best = i;
            }
        }
        return best;
    }
}
