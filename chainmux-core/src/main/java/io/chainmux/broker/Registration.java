package io.chainmux.broker;

/** A network registered with the broker: its id, its accept handler, its serial executor and its traffic. */
public record Registration(NetworkId network, NetworkHandler handler, SerialExecutor executor, NetworkTraffic traffic) {}
