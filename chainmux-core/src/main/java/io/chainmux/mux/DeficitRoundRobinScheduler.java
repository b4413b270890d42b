package io.chainmux.mux;

import java.util.ArrayDeque;

/**
 * Deficit round robin over streams with data and credit. Each round a stream may send
 * {@code quantum x weight} payload bytes (a frame may overrun; the overrun is charged to its next
 * round), so equal-weight streams get equal bytes within one frame per round and weights 1:2:4
 * get that ratio. Idle streams keep no credit: a stream cannot save up bursts while it has nothing
 * to send. Urgent streams ({@link Node#urgent}: latency-sensitive networks' small messages) have a
 * ring of their own, served first: an echo does not wait a round of hundreds of bulk streams. No
 * allocation per frame. Not thread-safe: a connection uses it on its event loop only.
 *
 * <p>It also counts <b>light turns</b> ({@link #lightTurns}): a stream that came in with less than half
 * a turn's worth and sent all of it in its first turn, or an urgent stream that drained; and
 * <b>heavy turns</b> ({@link #heavyTurns}): a stream that used its whole turn and stays in the ring.
 * A light stream's next message waits behind whatever heavy streams left below the scheduler, in
 * TCP's buffers; streams that all stay backlogged from round to round (however many, whatever their
 * weights), or that all come with a little and drain, are not one behind another. The sender's pipe
 * budget is tight only while there are both ({@link PipeBudget}), and only while a light stream's
 * wait in the ring was short beside the pipe's depth: so the scheduler also keeps the least a light
 * turn waited behind ({@link #takeLeastLightWait}). One of a thousand backlogged streams that comes
 * back with a little waits behind megabytes of the others' turns, which a tight pipe would only move
 * from TCP's buffers into the ring; a chain's small message beside one bulk stream waits behind one
 * turn, and the pipe below is most of its wait.
 */
final class DeficitRoundRobinScheduler<S> implements WriteScheduler<S> {
    private final ArrayDeque<Node<S>> urgent = new ArrayDeque<>();
    private final ArrayDeque<Node<S>> ring = new ArrayDeque<>();
    private final int quantum;
    private long lightTurns;
    private long heavyTurns;
    /** Bytes let out so far: what a node's wait for its turn is measured in ({@link Node#waited}). */
    private long sent;
    /** The least a light turn since the last {@link #takeLeastLightWait} waited behind. */
    private long leastLightWait = Long.MAX_VALUE;

    /** @param quantum bytes per weight unit per round; the peer's max frame size is a good choice */
    public DeficitRoundRobinScheduler(int quantum) {
        if (quantum < 1) {
            throw new IllegalArgumentException("quantum must be >= 1, was " + quantum);
        }
        this.quantum = quantum;
    }

    @Override
    public void activate(Node<S> node) {
        if (!node.active) {
            node.active = true;
            node.deficit = 0;
            node.waited = ~sent; // negative until its first turn starts
            (node.urgent ? urgent : ring).addLast(node);
        }
    }

    @Override
    public boolean hasActive() {
        return !urgent.isEmpty() || !ring.isEmpty();
    }

    /** Whether exactly one stream is active: the one being served has no other to take turns with. */
    boolean single() {
        return urgent.size() + ring.size() == 1;
    }

    @Override
    public long distribute(long budget, Emitter<S> emitter) {
        long written = 0;
        if (!urgent.isEmpty()) {
            written = serve(urgent, budget, emitter);
            if (written < 0) {
                return -written - 1;
            }
        }
        long more = serve(ring, budget - written, emitter);
        return written + (more < 0 ? -more - 1 : more);
    }

    /** One ring's turns; the bytes written, or {@code -(written + 1)} when the caller must stop (blocked, or budget spent mid-turn). */
    private long serve(ArrayDeque<Node<S>> ring, long budget, Emitter<S> emitter) {
        long written = 0;
        while (written < budget && !ring.isEmpty()) {
            Node<S> node = ring.peekFirst();
            if (node.waited < 0) {
                node.waited = sent - ~node.waited; // its first turn starts: what went out before it
            }
            if (node.deficit <= 0) {
                node.deficit += (long) quantum * node.weight;
            }
            int result = 0;
            while (node.deficit > 0 && written < budget) {
                result = emitter.emit(node.stream, (int) Math.min(Integer.MAX_VALUE, node.deficit));
                if (result < 0) {
                    break;
                }
                node.deficit -= Math.max(result, 1);
                written += result;
                sent += result;
            }
            if (result == BLOCKED) {
                return -written - 1;
            }
            ring.pollFirst();
            if (result == IDLE || result == DRAINED) {
                if (result == DRAINED && isLight(node)) {
                    lightTurns++;
                    leastLightWait = Math.min(leastLightWait, node.waited);
                }
                node.fresh = true;
                node.active = false;
                node.deficit = 0;
            } else if (node.deficit > 0) {
                // Budget ran out mid-turn: keep the stream's place and remaining deficit.
                ring.addFirst(node);
                return -written - 1;
            } else {
                node.fresh = false;
                heavyTurns++;
                ring.addLast(node);
            }
        }
        return written;
    }

    /**
     * A node that drained: light when it is urgent, or when it sent something, and less than half its
     * share, in the turn it was activated for, and nothing before it since it last left the ring
     * ({@link Node#fresh}). A first turn starts at a full share (activation zeroes the deficit), so
     * the deficit left says how much of it went unused.
     */
    private boolean isLight(Node<S> node) {
        long share = (long) quantum * node.weight;
        return node.urgent || (node.fresh && node.deficit < share && 2 * node.deficit > share);
    }

    /** Light turns so far (see the class comment): a count the caller compares between passes. */
    long lightTurns() {
        return lightTurns;
    }

    /**
     * The fewest bytes of other streams that a light turn since the last call waited behind, from the
     * stream's activation to its turn ({@link Long#MAX_VALUE} when there was none); starts afresh.
     */
    long takeLeastLightWait() {
        long least = leastLightWait;
        leastLightWait = Long.MAX_VALUE;
        return least;
    }

    /** Heavy turns so far (see the class comment): a count the caller compares between passes. */
    long heavyTurns() {
        return heavyTurns;
    }
}
