package io.chainmux.node.demo;

import io.chainmux.endpoint.PeerAddress;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Starts demo nodes: in this JVM, or as processes. Thread-safe: nodes start in parallel. */
interface NodeLauncher extends AutoCloseable {
    /** Starts node {@code index}; returns once it listens and has joined its networks. */
    NodeHandle launch(int index, List<PeerAddress> bootstrap);

    /** Chains produced so far by the nodes being started (for the progress display). */
    int chainsProduced();

    /** Releases what the launcher holds (kills node processes still running); bounded. */
    @Override
    default void close() {}

    /** Nodes in this JVM. */
    static NodeLauncher inJvm(DemoSettings settings) {
        AtomicInteger produced = new AtomicInteger();
        return new NodeLauncher() {
            @Override
            public NodeHandle launch(int index, List<PeerAddress> bootstrap) {
                return new LocalNode(DemoNode.start(settings, index, bootstrap, DemoNode.Threads.inJvm(),
                        chain -> produced.incrementAndGet()));
            }

            @Override
            public int chainsProduced() {
                return produced.get();
            }
        };
    }
}
