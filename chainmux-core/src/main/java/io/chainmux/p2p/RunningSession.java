package io.chainmux.p2p;

import io.chainmux.broker.NetworkStream;

import java.net.InetAddress;
import java.util.function.BiConsumer;

/**
 * A session in progress; also the callback of its completion, and a link of the list of running
 * sessions (no set entry, no lambda: 8,000 of these at rest on a node of 1000 networks). An inbound
 * session is an {@link Inbound}, which also keeps the address its slot is counted under; an outgoing
 * one keeps no field it does not use: its network is its stream's handler, its direction its stream's,
 * and it is done once it links to itself (32 bytes where one class for both took 48).
 */
class RunningSession implements BiConsumer<SessionOutcome, Throwable> {
    final NetworkStream conn;
    /** System.nanoTime() at which the network cuts it (see {@link P2pNetwork}'s cut timer). */
    long deadline;
    /**
     * Neighbours in the network's list of running sessions; {@code prev} is the session itself once it
     * is done (ended, or its network stopped), when it is in no list.
     */
    RunningSession prev;
    RunningSession next;

    /** An outgoing session of the network that registered {@code conn}'s handler. */
    RunningSession(NetworkStream conn) {
        this.conn = conn;
    }

    /** Whether the session has ended (its outcome counted) or its network stopped. */
    final boolean done() {
        return prev == this;
    }

    /** Marks it done; once it is out of the list (its links are not needed any more). */
    final void markDone() {
        prev = this;
    }

    /** Whether this node opened the session's connection. */
    final boolean outbound() {
        return conn.isOutbound();
    }

    /** For an inbound session: the remote address its slot is counted under (may be null); null for an outgoing one. */
    InetAddress from() {
        return null;
    }

    /** The session reported its outcome (on any thread). */
    @Override
    public final void accept(SessionOutcome outcome, Throwable failure) {
        ((P2pNetwork) conn.networkHandler()).completed(this, outcome, failure);
    }

    /** An inbound session. */
    static final class Inbound extends RunningSession {
        private final InetAddress from;

        Inbound(NetworkStream conn, InetAddress from) {
            super(conn);
            this.from = from;
        }

        @Override
        InetAddress from() {
            return from;
        }
    }
}
