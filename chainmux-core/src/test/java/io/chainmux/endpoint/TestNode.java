package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.netty.buffer.ByteBuf;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/** An endpoint on 127.0.0.1 that records its events and echoes every message on accepted streams. */
final class TestNode implements EndpointListener, AutoCloseable {
    final NodeIdentity identity;
    final Endpoint endpoint;
    final List<PeerConnection> connected = new CopyOnWriteArrayList<>();
    final List<CloseReason> disconnected = new CopyOnWriteArrayList<>();
    final java.util.concurrent.CompletableFuture<PeerConnection> firstDisconnected =
            new java.util.concurrent.CompletableFuture<>();
    final List<Integer> connectionsLost = new CopyOnWriteArrayList<>();
    final List<HandshakeException> handshakeFailures = new CopyOnWriteArrayList<>();
    final List<MuxStream> accepted = new CopyOnWriteArrayList<>();

    TestNode(UnaryOperator<EndpointConfig.Builder> tweak) {
        this(NodeIdentity.generate(), tweak);
    }

    TestNode(NodeIdentity identity, UnaryOperator<EndpointConfig.Builder> tweak) {
        this.identity = identity;
        EndpointConfig.Builder b = EndpointConfig.builder(identity).listen("127.0.0.1:0").ioThreads(2)
                .handshakeTimeout(Duration.ofSeconds(5)).shutdownGrace(Duration.ofMillis(200));
        endpoint = Endpoint.start(tweak.apply(b).build(), this);
    }

    TestNode() {
        this(b -> b);
    }

    PeerAddress address() {
        return PeerAddress.of(endpoint.localAddress()).withPeer(identity.peerId());
    }

    @Override
    public void onPeerConnected(PeerConnection peer) {
        connected.add(peer);
    }

    @Override
    public void onPeerDisconnected(PeerConnection peer, CloseReason reason) {
        disconnected.add(reason);
        firstDisconnected.complete(peer);
    }

    @Override
    public void onConnectionLost(PeerConnection peer, int stripeIndex, CloseReason reason) {
        connectionsLost.add(stripeIndex);
    }

    @Override
    public void onHandshakeFailed(SocketAddress remote, HandshakeException failure) {
        handshakeFailures.add(failure);
    }

    @Override
    public void onStreamOpened(PeerConnection peer, MuxStream stream) {
        accepted.add(stream);
        stream.accept(new StreamListener() {
            @Override
            public void onMessage(MuxStream s, ByteBuf message) {
                int length = message.readableBytes();
                try {
                    if (!s.trySend(message)) {
                        message.release(); // refused: still ours
                        s.reset(io.chainmux.wire.ErrorCode.INTERNAL_ERROR);
                    }
                } catch (RuntimeException e) { // closed or too large for the sender: trySend released it
                    s.reset(io.chainmux.wire.ErrorCode.INTERNAL_ERROR);
                }
                s.consumed(length);
            }

            @Override
            public void onRemoteClosed(MuxStream s) {
                s.close();
            }

            @Override
            public void onClosed(MuxStream s, CloseReason reason) {
            }
        }, 1 << 20);
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
