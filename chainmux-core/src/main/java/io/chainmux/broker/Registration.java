package io.chainmux.broker;

/**
 * A network registered with the broker: its id, its accept handler, its serial executor, its traffic,
 * and its dispatch ({@link Dispatch#PRIORITY} networks open their streams as latency-sensitive).
 */
public record Registration(NetworkId network, NetworkHandler handler, SerialExecutor executor, NetworkTraffic traffic,
                           Dispatch dispatch) {}
