package io.chainmux.p2p;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BiFunction;

/**
 * Node-wide pacing of session starts: at most {@link NodeConfig#maxStartsInFlight()} outgoing opens
 * are in flight at once (from the open until the peer accepts or refuses it) over all paced networks.
 * A node that restarts or heals a partition with 1000 networks at degree 8 would otherwise queue
 * 8,000 opens at once, and every event-loop task of a latency-sensitive stream would wait behind them.
 * {@link io.chainmux.broker.Dispatch#PRIORITY} networks are not paced.
 *
 * <p>A network that gets fewer permits than it wants waits in a first-in first-out queue (at most once);
 * a released permit goes straight to the first waiter, so networks take turns and none starves. A
 * waiter may get its permit on any thread and must use it or {@link #release()} it.
 *
 * <p>An open that waits for a dial (no connection to its peer is up) holds its permit for at most
 * {@link #DIAL_HOLD} ({@link DialHold}): a healthy dial is done by then, and a dead peer's, which fails
 * only at the endpoint's connect or handshake timeout (5 s, 10 s), no longer holds the node's starts for
 * that long. The open itself goes on waiting for its dial, without a permit.
 *
 * <p>Thread-safe.
 */
final class StartPacer {
    /** Opens in flight per node by default: ~1 s of opens on a loaded node, so forming is not slowed. */
    static final int DEFAULT_MAX_IN_FLIGHT = 64;

    /**
     * The longest an open waiting for a dial holds its permit: longer than a healthy dial takes, even a
     * long path's handshake under a restart's load, far shorter than a dead peer's dial takes to fail.
     */
    static final Duration DIAL_HOLD = Duration.ofSeconds(1);

    /** A network waiting for a start permit. */
    interface Waiter {
        /** One permit is now held for the waiter (called on the releasing thread, outside the pacer's lock). */
        void granted();
    }

    private record Waiting(Waiter waiter, int sessions) {}

    private final int max;
    private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
    private int inFlight;
    private int waitingSessions;
    private int highWater;
    private long waits;
    private long dialHoldsCut;

    StartPacer(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("StartPacer.max must be >= 1, was " + max);
        }
        this.max = max;
    }

    /**
     * Takes up to {@code wanted} permits. If it gets fewer, {@code waiter} is queued and gets one permit
     * (through {@link Waiter#granted()}) when it is its turn; then it asks again for the rest. While
     * others wait, a newcomer gets nothing and queues behind them.
     *
     * @return permits taken now (0 to {@code wanted})
     */
    synchronized int acquireOrWait(int wanted, Waiter waiter) {
        int got = queue.isEmpty() ? Math.min(wanted, max - inFlight) : 0;
        inFlight += got;
        highWater = Math.max(highWater, inFlight);
        if (got < wanted) {
            queue.add(new Waiting(waiter, wanted - got));
            waitingSessions += wanted - got;
            waits++;
        }
        return got;
    }

    /** Returns one permit: the first waiter gets it, else it is free. */
    void release() {
        Waiting next;
        synchronized (this) {
            next = queue.poll();
            if (next == null) {
                if (inFlight == 0) {
                    throw new IllegalStateException("StartPacer: a permit released twice");
                }
                inFlight--;
                return;
            }
            waitingSessions -= next.sessions();
        }
        next.waiter().granted();
    }

    /**
     * The permit just taken for an open that waits for a dial: returned when the open is decided or
     * after {@link #DIAL_HOLD}, whichever comes first.
     *
     * @param scheduler schedules a task after a delay (the broker's timer)
     */
    DialHold dialHold(BiFunction<Duration, Runnable, ScheduledFuture<?>> scheduler) {
        DialHold h = new DialHold();
        h.timer = scheduler.apply(DIAL_HOLD, h);
        return h;
    }

    /** A permit held by an open that waits for a dial (see {@link #dialHold}). */
    final class DialHold implements Runnable {
        private boolean returned;
        private volatile ScheduledFuture<?> timer;

        private DialHold() {}

        /** {@link #DIAL_HOLD} is over and the dial still runs: the permit goes back; the open goes on. */
        @Override
        public void run() {
            if (giveBack()) {
                synchronized (StartPacer.this) {
                    dialHoldsCut++;
                }
            }
        }

        /** The peer accepted or refused the open, or its dial failed. */
        void openDecided() {
            ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
            giveBack();
        }

        private boolean giveBack() {
            synchronized (this) {
                if (returned) {
                    return false;
                }
                returned = true;
            }
            release();
            return true;
        }
    }

    /** The limit: opens in flight at most. */
    int max() {
        return max;
    }

    /** Opens holding a permit now. */
    synchronized int inFlight() {
        return inFlight;
    }

    /** Sessions (free outgoing slots) waiting for a permit now, over all networks. */
    synchronized int waitingSessions() {
        return waitingSessions;
    }

    /** The most permits ever held at once (never above {@link #max()}). */
    synchronized int highWater() {
        return highWater;
    }

    /** Permits returned by opens still waiting for a dial after {@link #DIAL_HOLD}. */
    synchronized long dialHoldsCut() {
        return dialHoldsCut;
    }

    /** Times a network had to wait for a permit. */
    synchronized long waits() {
        return waits;
    }
}
