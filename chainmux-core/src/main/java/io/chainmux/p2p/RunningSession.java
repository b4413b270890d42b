package io.chainmux.p2p;

import io.chainmux.broker.NetworkStream;

import java.net.InetAddress;
import java.util.function.BiConsumer;

/**
 * A session in progress; also the callback of its completion, and a link of the list of running
 * sessions (no set entry, no lambda: 8,000 of these at rest on a node of 1000 networks). An inbound
 * session is an {@link Inbound}, which also keeps the address its slot is counted under; an outgoing
 * one keeps no field it does not use: its network is its stream's handler, its direction its stream's,
 * the list is singly linked (a network runs a handful of sessions: an unlink walks them), its deadline
 * an int, and it is done once it links to itself (24 bytes where one class for both took 48).
 */
class RunningSession implements BiConsumer<SessionOutcome, Throwable> {
    /** Where {@link #millis} counts from. */
    private static final long ORIGIN = System.nanoTime();

    final NetworkStream conn;
    /**
     * When the network cuts it (see {@link P2pNetwork}'s cut timer), in {@link #millis}: an int that
     * wraps around every 49 days, compared by difference (a session timeout is far below 24 days).
     */
    int deadline;
    /** The next in the network's list of running sessions; the session itself once it is done (ended, or its network stopped). */
    RunningSession next;

    /** An outgoing session of the network that registered {@code conn}'s handler. */
    RunningSession(NetworkStream conn) {
        this.conn = conn;
    }

    /** Whether the session has ended (its outcome counted) or its network stopped. */
    final boolean done() {
        return next == this;
    }

    /** Marks it done; once it is out of the list (its link is not needed any more). */
    final void markDone() {
        next = this;
    }

    /** {@code nanoTime} (a {@link System#nanoTime()}) in milliseconds since {@link #ORIGIN}, rounded up; wraps around. */
    static int millis(long nanoTime) {
        return (int) -Math.floorDiv(ORIGIN - nanoTime, 1_000_000L);
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
