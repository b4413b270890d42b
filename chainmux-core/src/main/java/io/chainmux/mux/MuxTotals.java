package io.chainmux.mux;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Counters over every session that shares it (an endpoint's), past and present: a session counts
 * from its start, and when it closes its final counts move into a retired total under the same
 * lock a read takes, so a count never goes backwards and a connection closed between two scrapes
 * (for breaking a budget, say) is counted all the same. Costs nothing per message: a session
 * writes its own {@link MuxStats}; the lock is taken when a session starts or ends and on a read.
 *
 * <p>Thread-safe.
 */
public final class MuxTotals {
    private final Set<MuxSession> live = new HashSet<>();
    private final MuxStats retired = new MuxStats();

    synchronized void started(MuxSession session) {
        live.add(session);
    }

    synchronized void ended(MuxSession session) {
        if (live.remove(session)) {
            retired.add(session.stats());
        }
    }

    /** One counter over all sessions that ever started (reads live sessions' counters racily, as monitoring does). */
    public synchronized long sum(ToLongFunction<MuxStats> counter) {
        long total = counter.applyAsLong(retired);
        for (MuxSession s : live) {
            total += counter.applyAsLong(s.stats());
        }
        return total;
    }

    /** Sessions started and not yet ended. */
    public synchronized List<MuxSession> liveSessions() {
        return new ArrayList<>(live);
    }
}
