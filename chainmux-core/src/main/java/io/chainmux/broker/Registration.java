package io.chainmux.broker;

/** A network registered with the broker: its id, its accept handler and its serial executor. */
public record Registration(NetworkId network, NetworkHandler handler, SerialExecutor executor) {}
