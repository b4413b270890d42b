package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.endpoint.identity.HandshakeException.Reason;
import io.chainmux.endpoint.identity.Hello;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.endpoint.identity.Role;
import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.ConnectionListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;

import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import static io.chainmux.endpoint.Endpoint.log;

/**
 * An endpoint's admission and results of every handshake, dialed or accepted: which peer and stripe
 * a handshake is for (learned at HELLO), who waits for a dial, and what becomes of the connection
 * once the handshake completes (a stripe or an unstriped connection, with a mux connection installed)
 * or fails. Thread-safe: handshakes run on many event loops.
 */
final class HandshakeOutcomes implements HandshakeHandler.Outcome {
    /** {@link Attempt#index()} of an unstriped connection. */
    private static final int UNSTRIPED = -1;

    /** What a handshake's HELLO told us: the peer and the stripe index. */
    private record Attempt(PeerConnection peer, int index) {}

    private final Endpoint endpoint;
    private final EndpointConfig config;
    private final AbuseWatch abuse;
    /** Who waits for a stripe dial of ours (a connect), by its handshake. */
    private final Map<HandshakeHandler, CompletableFuture<PeerConnection>> dials = new ConcurrentHashMap<>();
    /** Who waits for an unstriped dial of ours, by its handshake. */
    private final Map<HandshakeHandler, CompletableFuture<MuxConnection>> unstripedDials = new ConcurrentHashMap<>();
    private final Map<HandshakeHandler, Attempt> attempts = new ConcurrentHashMap<>();

    HandshakeOutcomes(Endpoint endpoint, AbuseWatch abuse) {
        this.endpoint = endpoint;
        this.config = endpoint.config();
        this.abuse = abuse;
    }

    /** {@code result} completes with the peer connection once this stripe dial leads to an established stripe. */
    void expectDial(HandshakeHandler h, CompletableFuture<PeerConnection> result) {
        dials.put(h, result);
    }

    /** {@code result} completes with the connection once this unstriped dial is established, or fails with it. */
    void expectUnstripedDial(HandshakeHandler h, CompletableFuture<MuxConnection> result) {
        unstripedDials.put(h, result);
    }

    /** Forgets an unstriped dial that never started. */
    void forgetUnstripedDial(HandshakeHandler h) {
        unstripedDials.remove(h);
    }

    @Override
    public HandshakeException admit(HandshakeHandler h, Hello peerHello) {
        PeerId peer = peerHello.peerId();
        // unshared mode: a connection of its own for one stream, outside the stripes
        boolean unstriped = h.unstriped() || (h.role() == Role.LISTENER && peerHello.unstriped());
        int index = h.role() == Role.DIALER ? h.stripeIndex() : peerHello.stripeIndex();
        if (!unstriped && index >= config.maxStripesPerPeer() && h.role() == Role.LISTENER) {
            // Refused before any state is kept for it: no peer connection, no attempt to undo.
            endpoint.limitHit(Limit.MAX_STRIPES_PER_PEER, "peer " + peer.shortForm() + " opened stripe " + index
                    + "; max stripes per peer is " + config.maxStripesPerPeer());
            return HandshakeException.of(Reason.LIMIT, "stripe index %d is at or above the limit of %d stripes"
                    + " per peer", index, config.maxStripesPerPeer());
        }
        PeerConnection pc = endpoint.peerConnection(peer);
        pc.learnAddress(peerHello.advertisedAddress());
        if (unstriped) {
            attempts.put(h, new Attempt(pc, UNSTRIPED));
            return endpoint.isClosing() ? HandshakeException.of(Reason.LIMIT, "the node is shutting down") : null;
        }
        if (h.role() == Role.DIALER && h.expectedPeer() == null && !pc.startDial(index)) {
            pc.adoptDial(index); // learned who this is only now; admission below settles duplicates
        }
        attempts.put(h, new Attempt(pc, index));
        if (endpoint.isClosing()) {
            return HandshakeException.of(Reason.LIMIT, "the node is shutting down");
        }
        return pc.admit(h.role(), index, h);
    }

    @Override
    public HandshakeException confirm(HandshakeHandler h) {
        Attempt a = attempts.get(h);
        if (endpoint.isClosing()) {
            return HandshakeException.of(Reason.LIMIT, "the node is shutting down");
        }
        // an unstriped connection has no slot: no crossing to settle
        return a == null || a.index() == UNSTRIPED ? null : a.peer().confirm(h.role(), a.index(), h);
    }

    @Override
    public void completed(HandshakeHandler h, ChannelHandlerContext ctx, PeerId peer, Hello peerHello) {
        Attempt a = attempts.remove(h);
        PeerConnection pc = a.peer();
        EndpointListener listener = endpoint.listener();
        MuxConnection connection = new MuxConnection(config.mux(), h.role() == Role.DIALER, new ConnectionListener() {
            @Override
            public void onStreamOpened(MuxStream stream) {
                listener.onStreamOpened(pc, stream);
            }
        }, endpoint.muxTotals());
        ChannelPipeline p = ctx.pipeline();
        p.addAfter(ctx.name(), "keepalive", new KeepAlive(connection, endpoint.stats(), config.idleTimeout().toNanos(),
                config.keepAliveInterval().toNanos()));
        p.addAfter("keepalive", "mux", connection.handler());
        p.remove(ctx.name());
        endpoint.stats().handshakesCompleted.increment();
        abuse.watch(connection, peer, ctx.channel().remoteAddress());
        if (a.index() == UNSTRIPED) {
            log.debug("unstriped connection to {} established ({}, {})", peer.shortForm(), h.role(), ctx.channel());
            pc.unstripedEstablished(connection);
            CompletableFuture<MuxConnection> dialed = unstripedDials.remove(h);
            if (dialed != null) {
                dialed.complete(connection);
            }
            return;
        }
        log.debug("connection (stripe {}) to {} established ({}, {})", a.index(), peer.shortForm(), h.role(), ctx.channel());
        pc.established(h.role(), a.index(), connection, h);
        CompletableFuture<PeerConnection> result = dials.remove(h);
        if (result != null) {
            result.complete(pc);
        }
    }

    @Override
    public void failed(HandshakeHandler h, ChannelHandlerContext ctx, HandshakeException failure) {
        endpoint.stats().handshakeFailed(failure.reason());
        SocketAddress remote = ctx.channel().remoteAddress();
        if (failure.reason() == Reason.TIMEOUT && h.role() == Role.LISTENER) {
            // the limit guards our listener against slow peers; a dial of ours that times out is no attack
            endpoint.limitHit(Limit.HANDSHAKE_TIMEOUT, "closing " + remote + ": " + failure.getMessage());
        }
        if (failure.reason() == Reason.CROSSED || h.role() == Role.DIALER) {
            // a dial's failure goes to whoever dialed (the connect future) and, once a minute, to
            // the log by its peer connection
            log.debug("handshake with {} ended ({}): {}", remote, failure.reason(), failure.getMessage());
        } else {
            log.info("handshake with {} failed ({}): {}", remote, failure.reason(), failure.getMessage());
        }
        Attempt a = attempts.remove(h);
        CompletableFuture<MuxConnection> unstripedDial = unstripedDials.remove(h);
        EndpointListener listener = endpoint.listener();
        if (unstripedDial != null || (a != null && a.index() == UNSTRIPED)) {
            if (unstripedDial != null) {
                unstripedDial.completeExceptionally(failure);
            }
            listener.onHandshakeFailed(remote, failure);
            return;
        }
        if (a == null && h.role() == Role.DIALER && h.expectedPeer() != null) {
            PeerConnection pc = endpoint.peer(h.expectedPeer());
            a = pc == null ? null : new Attempt(pc, h.stripeIndex());
        }
        if (a != null) {
            a.peer().attemptFailed(h.role(), a.index(), h, failure);
        }
        CompletableFuture<PeerConnection> result = dials.remove(h);
        if (result != null) {
            if (failure.reason() == Reason.CROSSED && a != null) {
                a.peer().whenConnected(result); // the peer's own dial is the connection
            } else {
                result.completeExceptionally(failure);
            }
        }
        endpoint.runContained("listener onHandshakeFailed", () -> listener.onHandshakeFailed(remote, failure));
    }

    /** Why a TCP connect failed, in words, without the native call's name and errno. */
    private static String connectFailure(Throwable cause) {
        String m = String.valueOf(cause.getMessage());
        if (cause instanceof ConnectTimeoutException) {
            return "timed out";
        }
        if (cause instanceof UnknownHostException) {
            return "unknown host";
        }
        for (String known : new String[] {"Connection refused", "No route to host", "Network is unreachable"}) {
            if (m.contains(known)) {
                return known.toLowerCase(Locale.ROOT);
            }
        }
        return m;
    }

    /** A dial of ours did not get a TCP connection: its handshake never started. */
    void dialFailed(HandshakeHandler h, PeerAddress address, Throwable cause) {
        HandshakeException failure = HandshakeException.of(Reason.CONNECTION_FAILED, "cannot connect to %s: %s",
                address.hostPort(), connectFailure(cause));
        endpoint.stats().handshakeFailed(failure.reason());
        log.debug("{}", failure.getMessage());
        EndpointListener listener = endpoint.listener();
        CompletableFuture<MuxConnection> unstripedDial = unstripedDials.remove(h);
        if (unstripedDial != null) {
            unstripedDial.completeExceptionally(failure);
            listener.onHandshakeFailed(address.toSocketAddress(), failure);
            return;
        }
        PeerConnection pc = address.expectedPeer() == null ? null : endpoint.peer(address.expectedPeer());
        if (pc != null) {
            pc.attemptFailed(Role.DIALER, h.stripeIndex(), h, failure);
        }
        CompletableFuture<PeerConnection> result = dials.remove(h);
        if (result != null) {
            result.completeExceptionally(failure);
        }
        endpoint.runContained("listener onHandshakeFailed",
                () -> listener.onHandshakeFailed(address.toSocketAddress(), failure));
    }
}
