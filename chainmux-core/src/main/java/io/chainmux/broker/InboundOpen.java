package io.chainmux.broker;

import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.mux.MuxStream;
import io.chainmux.wire.ErrorCode;
import io.netty.channel.Channel;

import java.net.InetSocketAddress;

/** A peer opened a stream on a registered network: accept or refuse it, once. */
public final class InboundOpen {
    private final ConnectionBroker broker;
    private final Registration registration;
    private final PeerConnection peer;
    private final MuxStream stream;
    private boolean decided;

    InboundOpen(ConnectionBroker broker, Registration registration, PeerConnection peer, MuxStream stream) {
        this.broker = broker;
        this.registration = registration;
        this.peer = peer;
        this.stream = stream;
    }

    public PeerId peer() {
        return peer.peerId();
    }

    /** Where the peer can be dialed (its advertised address), or null if it did not say. */
    public PeerAddress peerAddress() {
        return peer.address();
    }

    /** The remote address of the connection the open came on, or null if it is not an IP socket. */
    public InetSocketAddress remoteAddress() {
        Channel ch = stream.connection().channel();
        return ch != null && ch.remoteAddress() instanceof InetSocketAddress a ? a : null;
    }

    public NetworkId network() {
        return registration.network();
    }

    /**
     * Accepts the stream; its events run on the network's executor.
     *
     * @param maxMessageSize the largest message we accept from the peer on it
     */
    public NetworkStream accept(int maxMessageSize) {
        decide();
        NetworkStream c = new NetworkStream(registration, peer.peerId(), false, stream);
        broker.stats.accepted.increment();
        broker.stats.streams.incrementAndGet();
        stream.accept(c, maxMessageSize);
        ConnectionBroker.urgentIfPriority(registration, stream);
        // The accept runs as an event-loop task; this one runs after it (the loop keeps task order).
        stream.connection().channel().eventLoop().execute(c::acceptedOnLoop);
        return c;
    }

    /**
     * Refuses with a refusal code and an optional detail (at most 1000 bytes; for REFUSED_BUSY the P2P
     * layer sends alternative peers).
     */
    public void refuse(ErrorCode code, byte[] detail) {
        if (!code.isRefusal()) {
            throw new IllegalArgumentException(code + " is not a refusal code");
        }
        decide();
        broker.stats.countRefusal(code);
        stream.refuse(code, detail);
    }

    /** The handler failed: an open it left undecided is reset, so its stream does not wait forever. */
    void failed() {
        if (!decided) {
            decided = true;
            stream.reset(ErrorCode.INTERNAL_ERROR);
        }
    }

    private void decide() {
        if (decided) {
            throw new IllegalStateException("open of " + network() + " from " + peer().shortForm() + " was already decided");
        }
        decided = true;
    }
}
