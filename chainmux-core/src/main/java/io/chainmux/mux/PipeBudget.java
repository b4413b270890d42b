package io.chainmux.mux;

/**
 * How many bytes the sender lets into the path ahead of the peer's reads. Connection credit returns
 * on receipt, so bytes sent minus connection credit returned are the bytes the peer has not read
 * yet: in our socket buffer, on the path, or in its socket buffer. Unbounded, they grow to the
 * stream window (16 MiB), all in TCP's first-in-first-out buffers below the scheduler, and a 1 KiB
 * message of one chain waits behind megabytes of another chain's bulk whatever the weights say.
 *
 * <p>The bound follows the path, as BBR's in-flight cap does: {@code 2 x delivery rate x minimum
 * round trip}, both measured from the returned credit (a sample runs from a send until the credit
 * for it is back; the minimum is kept for {@link #MIN_RTT_WINDOW_NANOS}, the highest rate for
 * {@link #RATE_WINDOW_NANOS}). Half of it is slack, so a long path still gets its bandwidth-delay
 * product in flight, and the backlog waits above TCP, where the scheduler orders it.
 *
 * <p>Liveness whatever the peer's credit policy: the budget is never below {@value #MIN_BUDGET}
 * bytes nor below {@value #STEP_FACTOR} times the largest credit step the peer has returned (a
 * peer that returns credit only once a quarter of its window is owed, say, is never held below the
 * point where it would return some), and it is unbounded until the first sample completes. Nor is
 * it below {@link #CONTENDED_QUEUE_NANOS} of the delivery rate, so a fast, short path keeps the
 * sender going across a credit round trip that pays a sleeping core's wake-up.
 *
 * <p>The bound protects a light stream from heavy ones, so it is tight only while one waits behind
 * another's bytes: while, within {@link #CONTENDED_HOLD_NANOS}, a round-trip sample saw a light turn
 * ({@link #lightTurn}: a stream that came to the scheduler with less than half a turn's worth, or an
 * urgent stream, and sent it all), a heavy turn ({@link #heavyTurn}: a stream that used its whole
 * turn and stays backlogged; see {@link DeficitRoundRobinScheduler}) and more than one stream
 * sending. A light turn counts only if the stream waited in the scheduler behind less than half the
 * uncontended pipe: then the pipe below is most of its wait, and a tight one cuts that wait to a third
 * or less. One that waited behind more (one of a thousand backlogged streams that comes back with a
 * little, behind megabytes of the others' turns) would gain little, and the pipe would go tight for
 * the whole hold on a rare event: at 64 B messages over 1000 streams such a stream came about once a
 * second, and a tight pipe halved the throughput. Streams that are all alike (a thousand of them
 * sending equal small messages, whether each stays backlogged or each drains in its turn, or bulk
 * streams of any weights) are not
 * protected by a tight pipe: each message of theirs waits behind its own stream's queue or a round
 * of streams like it, which the pipe's depth only moves from TCP's buffers to ours, and with a
 * small pipe the sender would stop whenever the credit took longer to come
 * back than the pipe took to drain (on a virtual machine whose idle cores sleep, a wake-up costs
 * tens of microseconds, longer than 64 KiB takes at loopback speed). Otherwise the pipe may hold
 * {@link #UNCONTENDED_QUEUE_NANOS} of the delivery rate unread, at least {@link #UNCONTENDED_FLOOR}:
 * what the first message of a light stream that joins waits behind (about 1.5 ms on loopback).
 *
 * <p>Event-loop confined.
 */
final class PipeBudget {
    /**
     * The least the budget allows (on loopback the measured product is tiny). Small, because it is per
     * connection: a node fetching from 16 peers at once holds 16 of these ahead of any small message,
     * and at the 8 MB/s a loaded receiver drains, 1 MiB each was two seconds of queue. A fast path
     * still grows the budget from its samples (it doubles per round trip while the round trip stays
     * near its minimum).
     */
    static final long MIN_BUDGET = 64L << 10;
    /** The budget is at least this many times the peer's largest credit step (see the class comment). */
    static final int STEP_FACTOR = 4;
    static final long MIN_RTT_WINDOW_NANOS = 10_000_000_000L;
    static final long RATE_WINDOW_NANOS = 1_000_000_000L;
    /**
     * How long the bound holds after a sample last saw a light turn beside a heavy one: longer than a
     * light stream's usual gap (a chain's gossip, an echo every few hundred milliseconds per
     * connection while a node catches up), so that each of its messages does not come first after a
     * lapse and wait behind the uncontended pipe.
     */
    static final long CONTENDED_HOLD_NANOS = 1_000_000_000L;
    /**
     * Even while contended, the pipe may keep this long of the delivery rate unread: what a light
     * stream's message waits behind, at most, on a short path (its target is milliseconds). Without it
     * the bound on loopback is the floor, and the bulk stream stops whenever its credit comes back
     * later than 64 KiB take to drain, which is every time the peer's idle core must be woken (tens of
     * microseconds on a virtual machine): half its solo rate in some runs. The rate is measured from
     * the credit, so a pipe deeper than the round trip lets it, and the bound, grow to what the path
     * takes.
     */
    static final long CONTENDED_QUEUE_NANOS = 100_000L;
    /** Without contention the pipe may keep this long of the delivery rate unread (see the class comment). */
    static final long UNCONTENDED_QUEUE_NANOS = 2_000_000L;
    /**
     * And at least this much: what Linux lets TCP itself buffer on a socket by default (the maximum
     * of {@code tcp_wmem}). The rate is measured from credit, so it is no more than the pipe divided
     * by the round trip, and the round trip includes the time our event loop takes to read the
     * credit: a loop busy for 2 ms per turn (a sender queueing a thousand streams' messages) would
     * otherwise hold the pipe near its floor, the rate with it, and the sender to a fraction of the path.
     */
    static final long UNCONTENDED_FLOOR = 4L << 20;

    private long unread;
    private long sent;
    private long returned;
    /** The largest credit update that returned bytes only (no window growth in it). */
    private long maxStep;
    /** The sent count a round-trip sample waits for, or -1 when none runs. */
    private long sampleEnd = -1;
    private long sampleStart;
    private long returnedAtSampleStart;
    private long minRtt = Long.MAX_VALUE;
    private long minRttStamp;
    /** Bytes per nanosecond. */
    private double maxRate;
    private long rateStamp;
    private long budget = Long.MAX_VALUE;
    private long uncontendedBudget = Long.MAX_VALUE;
    /** The stream that sent last (compared by identity only) and how often the sender changed since the last sample. */
    private Object lastSender;
    private long senderChanges;
    /** A light, and a heavy, turn since the last sample ended. */
    private boolean lightSeen;
    private boolean heavySeen;
    /** Whether a light stream waited beside another's sends lately, and when that was last seen. */
    private boolean contended;
    private long contendedStamp;

    /**
     * {@code bytes} went out (charged to the connection window).
     *
     * @return true when no round-trip sample runs: call {@link #startSample} with the time
     */
    boolean sent(long bytes, Object sender) {
        if (sender != lastSender) {
            if (lastSender != null) {
                senderChanges++;
            }
            lastSender = sender;
        }
        unread += bytes;
        sent += bytes;
        return sampleEnd < 0;
    }

    /** Starts a round-trip sample that ends once everything sent so far is returned. */
    void startSample(long nowNanos) {
        sampleEnd = sent;
        sampleStart = nowNanos;
        returnedAtSampleStart = returned;
    }

    /**
     * The peer returned {@code credit} of connection window: what it read, plus any window growth.
     *
     * <p>Credit beyond the bytes unread is growth (a receiver that doubles its window returns the
     * doubling in the same update as a step of reads). Such an update counts as one step of reads at
     * most, and the sample that runs is dropped: counted whole, it would mark megabytes still on the
     * path as read, end the sample long before its bytes came back and inflate the rate with them, so
     * the round trip on a long path read as a few milliseconds and the bound stayed at a fraction of
     * the path (a quarter of the throughput of 1000 streams over 20 ms). Growth below the bytes unread
     * cannot be told from reads and counts as reads, as before.
     */
    void returned(long credit, long nowNanos) {
        long read;
        if (credit <= unread) {
            maxStep = Math.max(maxStep, credit);
            read = credit;
        } else if (maxStep > 0) {
            read = Math.min(unread, maxStep);
            sampleEnd = -1;
        } else {
            read = unread; // no step seen yet to bound the reads by
        }
        unread -= read;
        returned += read;
        if (sampleEnd >= 0 && returned >= sampleEnd) {
            long rtt = Math.max(1, nowNanos - sampleStart);
            if (rtt <= minRtt || nowNanos - minRttStamp > MIN_RTT_WINDOW_NANOS) {
                minRtt = rtt;
                minRttStamp = nowNanos;
            }
            double rate = (double) (returned - returnedAtSampleStart) / rtt;
            if (rate >= maxRate || nowNanos - rateStamp > RATE_WINDOW_NANOS) {
                maxRate = rate;
                rateStamp = nowNanos;
            }
            sampleEnd = -1;
            if (senderChanges > 0 && lightSeen && heavySeen) {
                contended = true;
                contendedStamp = nowNanos;
            } else if (contended && nowNanos - contendedStamp > CONTENDED_HOLD_NANOS) {
                contended = false;
            }
            senderChanges = 0;
            lightSeen = false;
            heavySeen = false;
        }
        if (minRtt != Long.MAX_VALUE) {
            double product = Math.min(Long.MAX_VALUE / 4.0, 2 * maxRate * minRtt);
            double queue = Math.min(Long.MAX_VALUE / 4.0, maxRate * CONTENDED_QUEUE_NANOS);
            budget = Math.max(Math.max(MIN_BUDGET, STEP_FACTOR * maxStep), (long) Math.max(product, queue));
            uncontendedBudget = Math.max(Math.max(budget, UNCONTENDED_FLOOR),
                    (long) Math.min(Long.MAX_VALUE / 4.0, maxRate * UNCONTENDED_QUEUE_NANOS));
        }
    }

    /**
     * The scheduler saw light turns (see the class comment); they count toward the sample that runs if
     * the one that waited least in the scheduler waited behind less than half the uncontended pipe.
     *
     * @param leastWait the fewest bytes of other streams a light turn waited behind in the scheduler
     */
    void lightTurn(long leastWait) {
        if (leastWait < uncontendedBudget / 2) {
            lightSeen = true;
        }
    }

    /** The scheduler saw a heavy turn (see the class comment); counts toward the sample that runs. */
    void heavyTurn() {
        heavySeen = true;
    }

    /** Bytes that may still go out now; zero or less when the pipe is full. */
    long room() {
        return (contended ? budget : uncontendedBudget) - unread;
    }

    /** Whether the bound holds now: a light stream sent beside another lately. */
    boolean contended() {
        return contended;
    }

    /** Sent and not yet returned: the bytes the peer has not read. */
    long unread() {
        return unread;
    }

    /** The minimum round trip measured, or {@link Long#MAX_VALUE} before the first sample; for tests. */
    long minRttNanos() {
        return minRtt;
    }

    long budget() {
        return budget;
    }
}
