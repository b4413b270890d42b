package io.chainmux.chaindb;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A node's window over its catch-up: the bytes of block requests in flight over all the chains that
 * share it, sized by how long their answers take (delay-based, after LEDBAT, RFC 6817). The window
 * grows while answers come back within {@link #targetDelay} of the fastest recent answer and halves,
 * at most once per round trip, when they take longer.
 *
 * <p>Why: a node of 1000 chains that restarts asks for every missing block at once. The catch-up is
 * the node's background work; when it outruns the node (a cold JVM still compiling the code it runs,
 * two cores shared with everything else), its answers queue, and so do the messages of every
 * latency-sensitive network behind the same event loops and cores. A delay-based window keeps the
 * catch-up just below that point and grows with the node's speed: slowly while the code is cold, to
 * whatever the path allows once it is warm.
 *
 * <p>A request that does not fit waits, without a thread, in first-in first-out order, and is granted
 * its bytes on its executor when earlier ones are answered. One request is always admitted when none
 * is in flight, so a window smaller than a request cannot stall. A request unanswered for
 * {@link #STALL_FLOOR} (or eight of the fastest recent answers, if longer) stops counting: a peer that
 * never answers holds the node's catch-up back that long at most, not until its session times out;
 * its answer, if it comes, still counts as a late one. Thread-safe.
 */
public final class FetchWindow {
    /** Window at start: room for a few batches of small blocks. */
    public static final long DEFAULT_INITIAL_BYTES = 1024 * 1024;
    /** The window never shrinks below this. */
    public static final long DEFAULT_MIN_BYTES = 256 * 1024;
    /** The window never grows beyond this: 64 MiB covers ~100 ms at ~5 Gbit/s. */
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;
    /** Queueing an answer may show before the window stops growing. */
    public static final Duration DEFAULT_TARGET_DELAY = Duration.ofMillis(10);
    /** The fastest answer is remembered this long (two buckets), so a slower path is learned again. */
    static final long BASE_BUCKET_NANOS = Duration.ofSeconds(10).toNanos();
    /** The shortest time a request counts against the window unanswered. */
    public static final Duration STALL_FLOOR = Duration.ofSeconds(1);

    private final long minBytes;
    private final long maxBytes;
    private final long targetNanos;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** Grants in flight, oldest first (answered ones leave when they reach the head). */
    private final ArrayDeque<Grant> taken = new ArrayDeque<>();
    private final long stallFloorNanos;

    private long window;
    private long inFlight;
    private boolean slowStart = true;
    private long base = Long.MAX_VALUE;
    private long previousBase = Long.MAX_VALUE;
    private long bucketStart = Long.MIN_VALUE;
    private long lastDecrease = Long.MIN_VALUE;
    private long waits;
    private long decreases;
    private long stalls;
    private boolean stallCheckScheduled;

    private record Waiter(long bytes, Consumer<Grant> granted, Executor executor) {}

    /** The bytes one request holds in the window; give them back with {@link #answered} or {@link #released}. */
    public static final class Grant {
        final long bytes;
        final long takenNanos;
        /** Answered, released or, unanswered too long, no longer counted. */
        boolean returned;
        /** Unanswered too long: its answer, if it comes, says the node or the path is overloaded. */
        boolean stalled;

        Grant(long bytes, long takenNanos) {
            this.bytes = bytes;
            this.takenNanos = takenNanos;
        }

        public long bytes() {
            return bytes;
        }
    }

    /**
     * @param initialBytes window at start, in [minBytes, maxBytes]
     * @param minBytes     smallest window, at least 1
     * @param maxBytes     largest window
     * @param targetDelay  queueing an answer may show before the window shrinks; positive
     */
    public FetchWindow(long initialBytes, long minBytes, long maxBytes, Duration targetDelay) {
        this(initialBytes, minBytes, maxBytes, targetDelay, STALL_FLOOR);
    }

    FetchWindow(long initialBytes, long minBytes, long maxBytes, Duration targetDelay, Duration stallFloor) {
        Objects.requireNonNull(targetDelay, "targetDelay");
        this.stallFloorNanos = stallFloor.toNanos();
        if (minBytes < 1 || maxBytes < minBytes || initialBytes < minBytes || initialBytes > maxBytes) {
            throw new IllegalArgumentException("FetchWindow needs 1 <= minBytes <= initialBytes <= maxBytes, was min "
                    + minBytes + ", initial " + initialBytes + ", max " + maxBytes);
        }
        if (targetDelay.isNegative() || targetDelay.isZero()) {
            throw new IllegalArgumentException("FetchWindow.targetDelay must be positive, was " + targetDelay);
        }
        this.minBytes = minBytes;
        this.maxBytes = maxBytes;
        this.targetNanos = targetDelay.toNanos();
        this.window = initialBytes;
    }

    /** 1 MiB at start, between 256 KiB and 64 MiB, 10 ms of queueing. */
    public static FetchWindow defaults() {
        return new FetchWindow(DEFAULT_INITIAL_BYTES, DEFAULT_MIN_BYTES, DEFAULT_MAX_BYTES, DEFAULT_TARGET_DELAY);
    }

    /**
     * Takes {@code bytes} for one request now if they fit (or nothing is in flight) and nobody waits
     * before it; otherwise queues {@code granted}, to run on {@code executor} once they are taken for it.
     *
     * @return the grant if taken now ({@code granted} is not called), else null
     */
    public Grant acquireOrWait(long bytes, Consumer<Grant> granted, Executor executor) {
        checkBytes(bytes);
        Objects.requireNonNull(granted, "granted");
        Objects.requireNonNull(executor, "executor");
        boolean scheduleCheck;
        synchronized (this) {
            if (waiters.isEmpty() && fits(bytes)) {
                return take(bytes, System.nanoTime());
            }
            waiters.add(new Waiter(bytes, granted, executor));
            waits++;
            scheduleCheck = !stallCheckScheduled;
            stallCheckScheduled = true;
        }
        if (scheduleCheck) {
            scheduleStallCheck();
        }
        return null;
    }

    /**
     * The request that took {@code bytes} was answered after {@code delayNanos} (from its send to its
     * answer's arrival): its bytes are returned and the delay sizes the window.
     */
    public void answered(Grant g, long delayNanos, long nowNanos) {
        Objects.requireNonNull(g, "g");
        if (delayNanos < 0) {
            throw new IllegalArgumentException("delayNanos must be >= 0, was " + delayNanos);
        }
        ArrayDeque<Map.Entry<Waiter, Grant>> grant;
        synchronized (this) {
            returnBytes(g);
            if (g.stalled) {
                decrease(nowNanos, delayNanos); // a loss, not a sample of the path's delay
            } else {
                adapt(g.bytes, delayNanos, nowNanos);
            }
            grant = grantLocked(nowNanos);
        }
        run(grant);
    }

    /** The request that took {@code g} ended without an answer (its session ended): its bytes are returned. */
    public void released(Grant g) {
        Objects.requireNonNull(g, "g");
        ArrayDeque<Map.Entry<Waiter, Grant>> grant;
        synchronized (this) {
            returnBytes(g);
            grant = grantLocked(System.nanoTime());
        }
        run(grant);
    }

    public synchronized long window() {
        return window;
    }

    public synchronized long inFlight() {
        return inFlight;
    }

    /** Requests that had to wait for room, since start. */
    public synchronized long waits() {
        return waits;
    }

    /** Requests that stopped counting because they were unanswered too long, since start. */
    public synchronized long stalls() {
        return stalls;
    }

    /** Times the window was halved because answers queued, since start. */
    public synchronized long decreases() {
        return decreases;
    }

    public Duration targetDelay() {
        return Duration.ofNanos(targetNanos);
    }

    private boolean fits(long bytes) {
        return inFlight == 0 || inFlight + bytes <= window;
    }

    private Grant take(long bytes, long now) {
        Grant g = new Grant(bytes, now);
        inFlight += bytes;
        taken.add(g);
        return g;
    }

    private void returnBytes(Grant g) {
        if (!g.returned) {
            g.returned = true;
            inFlight -= g.bytes;
        }
    }

    /** Drops answered grants from the head and stops counting the ones unanswered for too long. */
    private void expire(long now) {
        long limit = Math.max(stallFloorNanos, base == Long.MAX_VALUE ? 0 : 8 * Math.min(base, previousBase));
        Grant g;
        while ((g = taken.peekFirst()) != null && (g.returned || now - g.takenNanos >= limit)) {
            taken.pollFirst();
            if (!g.returned) {
                returnBytes(g);
                g.stalled = true;
                stalls++;
            }
        }
    }

    /** While requests wait, checks every stall floor whether the ones in flight stopped counting. */
    private void scheduleStallCheck() {
        CompletableFuture.delayedExecutor(stallFloorNanos, TimeUnit.NANOSECONDS).execute(() -> {
            ArrayDeque<Map.Entry<Waiter, Grant>> grant;
            boolean again;
            synchronized (this) {
                grant = grantLocked(System.nanoTime());
                again = !waiters.isEmpty();
                stallCheckScheduled = again;
            }
            run(grant);
            if (again) {
                scheduleStallCheck();
            }
        });
    }

    private void adapt(long bytes, long delay, long now) {
        if (bucketStart == Long.MIN_VALUE || now - bucketStart >= BASE_BUCKET_NANOS) {
            previousBase = base;
            base = delay;
            bucketStart = now;
        } else {
            base = Math.min(base, delay);
        }
        long queueing = delay - Math.min(base, previousBase);
        if (queueing > targetNanos) {
            decrease(now, delay);
            return;
        }
        long growth;
        if (slowStart) {
            growth = bytes; // doubles per round trip
        } else {
            // About one request's bytes per window answered, less as the queueing nears the target.
            double offTarget = (double) (targetNanos - queueing) / targetNanos;
            growth = (long) (offTarget * bytes * bytes / window);
        }
        window = Math.min(maxBytes, window + growth);
    }

    /** Halves the window, once per round trip: the answers behind this one were asked before it shrank. */
    private void decrease(long now, long delay) {
        slowStart = false;
        if (lastDecrease == Long.MIN_VALUE || now - lastDecrease >= delay) {
            window = Math.max(minBytes, window / 2);
            lastDecrease = now;
            decreases++;
        }
    }

    private ArrayDeque<Map.Entry<Waiter, Grant>> grantLocked(long now) {
        expire(now);
        ArrayDeque<Map.Entry<Waiter, Grant>> grant = null;
        while (!waiters.isEmpty() && fits(waiters.peekFirst().bytes)) {
            Waiter w = waiters.pollFirst();
            if (grant == null) {
                grant = new ArrayDeque<>(2);
            }
            grant.add(Map.entry(w, take(w.bytes, now)));
        }
        return grant;
    }

    private void run(ArrayDeque<Map.Entry<Waiter, Grant>> grant) {
        if (grant == null) {
            return;
        }
        for (Map.Entry<Waiter, Grant> e : grant) {
            Waiter w = e.getKey();
            Grant g = e.getValue();
            try {
                w.executor.execute(() -> w.granted.accept(g));
            } catch (RuntimeException refused) {
                released(g); // the executor is shut down: nobody will use the bytes
            }
        }
    }

    private static void checkBytes(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("bytes must be >= 1, was " + bytes);
        }
    }

    @Override
    public synchronized String toString() {
        return "FetchWindow{window=" + window + ", inFlight=" + inFlight + ", waiting=" + waiters.size()
                + (slowStart ? ", slow start" : "") + "}";
    }
}
