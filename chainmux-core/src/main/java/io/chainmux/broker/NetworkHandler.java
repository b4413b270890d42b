package io.chainmux.broker;

/**
 * The accept side of a registered network. Called on the network's serial executor, never on an
 * event loop; must accept or refuse every open it gets (an open left undecided holds one of the
 * connection's pending-accept slots until the peer gives up).
 */
@FunctionalInterface
public interface NetworkHandler {
    void onInbound(InboundOpen open);
}
