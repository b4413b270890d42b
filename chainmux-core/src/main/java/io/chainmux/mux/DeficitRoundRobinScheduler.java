package io.chainmux.mux;

import java.util.ArrayDeque;

/**
 * Deficit round robin over streams with data and credit. Each round a stream may send
 * {@code quantum x weight} payload bytes (a frame may overrun; the overrun is charged to its next
 * round), so equal-weight streams get equal bytes within one frame per round and weights 1:2:4
 * get that ratio. Idle streams keep no credit: a stream cannot save up bursts while it has nothing
 * to send. No allocation per frame. Not thread-safe: a session uses it on its event loop only.
 */
final class DeficitRoundRobinScheduler<S> implements WriteScheduler<S> {
    private final ArrayDeque<Node<S>> ring = new ArrayDeque<>();
    private final int quantum;

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
            ring.addLast(node);
        }
    }

    @Override
    public boolean hasActive() {
        return !ring.isEmpty();
    }

    @Override
    public long distribute(long budget, Emitter<S> emitter) {
        long written = 0;
        while (written < budget && !ring.isEmpty()) {
            Node<S> node = ring.peekFirst();
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
            }
            if (result == BLOCKED) {
                return written;
            }
            ring.pollFirst();
            if (result == IDLE) {
                node.active = false;
                node.deficit = 0;
            } else if (node.deficit > 0) {
                // Budget ran out mid-turn: keep the stream's place and remaining deficit.
                ring.addFirst(node);
                return written;
            } else {
                ring.addLast(node);
            }
        }
        return written;
    }
}
