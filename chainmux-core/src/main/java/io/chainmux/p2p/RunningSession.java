package io.chainmux.p2p;

import io.chainmux.broker.NetworkStream;

import java.net.InetAddress;
import java.util.function.BiConsumer;

/**
 * A session in progress; also the callback of its completion, and a link of the list of running
 * sessions (no set entry, no lambda: 8,000 of these at rest on a node of 1000 networks). An inbound
 * session is an {@link Inbound}, which also keeps the address its slot is counted under; an outgoing
 * one keeps no field it does not use (40 bytes where one class for both took 48).
 */
class RunningSession implements BiConsumer<SessionOutcome, Throwable> {
    private final P2pNetwork network;
    final NetworkStream conn;
    /** System.nanoTime() at which the network cuts it (see {@link P2pNetwork}'s cut timer). */
    long deadline;
    boolean done;
    /** Neighbours in the list of running sessions (the network's list of running sessions). */
    RunningSession prev;
    RunningSession next;

    /** An outgoing session. */
    RunningSession(P2pNetwork network, NetworkStream conn) {
        this.network = network;
        this.conn = conn;
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
        network.completed(this, outcome, failure);
    }

    /** An inbound session. */
    static final class Inbound extends RunningSession {
        private final InetAddress from;

        Inbound(P2pNetwork network, NetworkStream conn, InetAddress from) {
            super(network, conn);
            this.from = from;
        }

        @Override
        InetAddress from() {
            return from;
        }
    }
}
