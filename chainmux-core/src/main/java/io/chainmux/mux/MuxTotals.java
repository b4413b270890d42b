package io.chainmux.mux;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Counters over every connection that shares it (an endpoint's), past and present: a connection counts
 * from its start, and when it closes its final counts move into a retired total under the same
 * lock a read takes, so a count never goes backwards and a connection closed between two scrapes
 * (for breaking a budget, say) is counted all the same. Costs nothing per message: a connection
 * writes its own {@link MuxStats}; the lock is taken when a connection starts or ends and on a read.
 *
 * <p>Thread-safe.
 */
public final class MuxTotals {
    private final Set<MuxConnection> live = new HashSet<>();
    private final MuxStats retired = new MuxStats();

    synchronized void started(MuxConnection connection) {
        live.add(connection);
    }

    synchronized void ended(MuxConnection connection) {
        if (live.remove(connection)) {
            retired.add(connection.stats());
        }
    }

    /** One counter over all connections that ever started (reads live connections' counters racily, as monitoring does). */
    public synchronized long sum(ToLongFunction<MuxStats> counter) {
        long total = counter.applyAsLong(retired);
        for (MuxConnection s : live) {
            total += counter.applyAsLong(s.stats());
        }
        return total;
    }

    /** Connections started and not yet ended. */
    public synchronized List<MuxConnection> liveConnections() {
        return new ArrayList<>(live);
    }
}
