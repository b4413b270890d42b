package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxStream;

import java.net.SocketAddress;

/**
 * What the endpoint reports to the layer above (the connection broker). Called on event-loop
 * threads, possibly several at once for different peers, never under a lock of the endpoint's;
 * implementations must be thread-safe and must not block (so {@link Endpoint#closeAsync}, not
 * {@code close}). A method that throws is logged and costs nothing else: a connect still
 * completes, a connection goes on (docs/ARCHITECTURE.md, "Failure scope"); from
 * {@link #onStreamOpened} it refuses that stream only.
 */
public interface EndpointListener {
    /** A peer's first connection completed its handshake. */
    default void onPeerConnected(PeerConnection peer) {}

    /** A peer has no connection left and none is being re-established. */
    default void onPeerDisconnected(PeerConnection peer, CloseReason reason) {}

    /** One connection of a peer broke; its streams failed with CONNECTION_LOST, the others go on. */
    default void onConnectionLost(PeerConnection peer, int stripeIndex, CloseReason reason) {}

    /** A connection failed before its handshake completed. */
    default void onHandshakeFailed(SocketAddress remote, HandshakeException failure) {}

    /**
     * A peer opened a stream: {@link MuxStream#accept} or {@link MuxStream#refuse} it. The default
     * refuses everything, as a bare endpoint serves no network.
     */
    default void onStreamOpened(PeerConnection peer, MuxStream stream) {
        stream.refuse(io.chainmux.wire.ErrorCode.REFUSED_UNKNOWN_NETWORK, null);
    }
}
