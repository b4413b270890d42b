package io.chainmux.broker;

import java.util.concurrent.Executor;

/**
 * A network registered with the broker: its id, its accept handler, its serial executor (one per network:
 * its tasks run one at a time, in order), its traffic, and its dispatch ({@link Dispatch#PRIORITY} networks
 * open their streams as latency-sensitive).
 */
public record Registration(NetworkId network, NetworkHandler handler, Executor executor, NetworkTraffic traffic,
                           Dispatch dispatch) {}
