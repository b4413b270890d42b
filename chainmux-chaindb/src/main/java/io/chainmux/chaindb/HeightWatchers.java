package io.chainmux.chaindb;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Callbacks waiting for a chain to grow above a height: what lets a responder answer WAIT_HEIGHT
 * without polling, so an up-to-date chain costs nothing at rest. A watch fires once, on the
 * appending thread (keep the action short: hand it to an executor), or is closed unfired when its
 * session ends, so watches of ended sessions never pile up on a chain that does not grow.
 */
final class HeightWatchers {
    private final LongSupplier height;
    private final List<Watch> watches = new ArrayList<>(); // guarded by this

    HeightWatchers(LongSupplier height) {
        this.height = height;
    }

    /** One registered callback; {@link #close()} removes it if it has not fired. */
    final class Watch implements AutoCloseable {
        final long above;
        final Runnable action;

        private Watch(long above, Runnable action) {
            this.above = above;
            this.action = action;
        }

        @Override
        public void close() {
            synchronized (HeightWatchers.this) {
                watches.remove(this);
            }
        }
    }

    /** Runs {@code action} once the height is above {@code above}: at once (here) if it already is. */
    Watch add(long above, Runnable action) {
        Watch w = new Watch(above, action);
        synchronized (this) {
            watches.add(w);
        }
        // The height is published before grown() runs: either grown() saw the watch, or we see the height.
        if (height.getAsLong() > above && remove(w)) {
            action.run();
        }
        return w;
    }

    /** Called after each append with the new height. */
    void grown(long newHeight) {
        List<Watch> fire = null;
        synchronized (this) {
            if (watches.isEmpty()) {
                return;
            }
            for (int i = watches.size() - 1; i >= 0; i--) {
                Watch w = watches.get(i);
                if (newHeight > w.above) {
                    (fire == null ? fire = new ArrayList<>() : fire).add(w);
                    watches.remove(i);
                }
            }
        }
        if (fire != null) {
            for (Watch w : fire) {
                w.action.run();
            }
        }
    }

    synchronized int size() {
        return watches.size();
    }

    private synchronized boolean remove(Watch w) {
        return watches.remove(w);
    }
}
