package io.chainmux.node.demo;

import io.chainmux.endpoint.PeerAddress;

/**
 * The coordinator's view of one demo node, in this JVM ({@link LocalNode}) or in a process of its own
 * ({@link ChildNode}). Called from the coordinator thread only.
 */
interface NodeHandle extends AutoCloseable {
    int index();

    /** Where the other nodes reach it ({@code peer-id@127.0.0.1:port}). */
    PeerAddress address();

    /** Its figures now (round trips counted since the previous report). */
    NodeReport report();

    void phase(GossipStats.Phase phase);

    /** Small-message sessions drain and end ({@link NodeReport#gossipRunning()} drops to 0). */
    void stopGossip();

    /** Figures plus verification of every chain; may take a while (bounded). */
    NodeReport finalReport();

    /** Chains verified so far by a {@link #finalReport()} in progress (any thread may ask). */
    int chainsVerified();

    /** Stops the node; bounded, never throws. */
    @Override
    void close();
}
