package io.chainmux.p2p;

import io.chainmux.broker.NetworkStream;

import java.net.InetAddress;
import java.util.function.BiConsumer;

/**
 * A session in progress; also the callback of its completion, and a link of the list of running
 * sessions (no set entry, no lambda: 8,000 of these at rest on a node of 1000 networks).
 */
final class RunningSession implements BiConsumer<SessionOutcome, Throwable> {
    private final P2pNetwork network;
    final NetworkStream conn;
    final boolean outbound;
    /** System.nanoTime() at which the network cuts it (see {@link P2pNetwork}'s cut timer). */
    long deadline;
    /** For an inbound session: the remote address its slot is counted under (may be null). */
    final InetAddress from;
    boolean done;
    /** Neighbours in the list of running sessions (the network's list of running sessions). */
    RunningSession prev;
    RunningSession next;

    RunningSession(P2pNetwork network, NetworkStream conn, boolean outbound, InetAddress from) {
        this.network = network;
        this.conn = conn;
        this.outbound = outbound;
        this.from = from;
    }

    /** The session reported its outcome (on any thread). */
    @Override
    public void accept(SessionOutcome outcome, Throwable failure) {
        network.completed(this, outcome, failure);
    }
}
