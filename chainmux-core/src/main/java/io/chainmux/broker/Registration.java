package io.chainmux.broker;

import java.util.concurrent.Executor;

/**
 * A network registered with the broker: its id, its accept handler, its serial executor (one per network:
 * its tasks run one at a time, in order), its traffic, its dispatch ({@link Dispatch#PRIORITY} networks
 * open their streams as latency-sensitive), and its id's wire form, made once: every stream of the
 * network holds it ({@link NetworkId#wire()} builds a new string per call, ~60 bytes per stream at rest);
 * and the broker it is registered with, which its streams reach through it (a field fewer per stream).
 */
public record Registration(NetworkId network, NetworkHandler handler, Executor executor, NetworkTraffic traffic,
                           Dispatch dispatch, String wire, ConnectionBroker broker) {
    public Registration {
        if (!network.wire().equals(wire)) {
            throw new IllegalArgumentException("wire form '" + wire + "' is not that of " + network);
        }
    }
}
