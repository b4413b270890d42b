package io.chainmux.endpoint.identity;

import io.chainmux.config.Internal;
import io.chainmux.endpoint.identity.HandshakeException.Reason;
import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.MuxException;
import io.netty.buffer.ByteBuf;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * One connection's identity handshake (brief section 7): every check on the peer's HELLO and
 * AUTH lives here. Create one per connection once the local HELLO is known (in TLS mode, after the
 * TLS handshake, passing {@link TlsContexts#peerId}), then feed it the peer's frames in order:
 * <pre>{@code
 * Hello mine = Hello.create(identity, stripeIndex, stripeCount, advertisedAddress);
 * HandshakeVerifier v = new HandshakeVerifier(identity, Role.DIALER, mine, expectedPeerOrNull, tlsPeerOrNull);
 * mine.writeFrame(out);                           // right after the preamble
 * Auth reply = v.onPeerHello(helloPayload);       // peer HELLO checked; send reply.writeFrame(out)
 * PeerId peer = v.onPeerAuth(authPayload);        // peer AUTH verified: the peer is authenticated
 * }</pre>
 * Each step throws {@link HandshakeException}; its {@link HandshakeException#reason() reason} is
 * the metric label, its {@link HandshakeException#errorCode() error code} goes into the GO_AWAY.
 *
 * <p>Checks, in order, on the peer's HELLO: its key is not our own ({@code SELF_DIAL}); in TLS
 * mode it equals the TLS certificate key ({@code TLS_KEY_MISMATCH}, binds the handshake to the
 * TLS channel); it equals the expected peer id if one was given ({@code UNEXPECTED_PEER}). On the
 * peer's AUTH: the signature verifies over the transcript with the peer's role
 * ({@code BAD_SIGNATURE}). Frames out of order or that do not decode: {@code MALFORMED}.
 *
 * <p>Not thread-safe: confine an instance to its channel's event loop. The deadline
 * ({@code TIMEOUT}) and version negotiation ({@code VERSION_MISMATCH}) belong to the endpoint.
 */
@Internal
public final class HandshakeVerifier {
    private enum State { AWAIT_HELLO, AWAIT_AUTH, DONE, FAILED }

    private final NodeIdentity local;
    private final Role localRole;
    private final Hello localHello;
    private final PeerId expectedPeer;
    private final PeerId tlsPeer;
    private State state = State.AWAIT_HELLO;
    private Hello peerHello;

    /**
     * @param local        this node's identity (signs the AUTH)
     * @param localRole    whether this side dialed or accepted the TCP connection
     * @param localHello   the HELLO this side sends; its key must be {@code local}'s
     * @param expectedPeer the peer id the dialer wants at this address, or null to accept any
     * @param tlsPeer      the TLS peer's id in TLS mode ({@link TlsContexts#peerId}), or null in plaintext mode
     */
    public HandshakeVerifier(NodeIdentity local, Role localRole, Hello localHello, PeerId expectedPeer,
                             PeerId tlsPeer) {
        this.local = Objects.requireNonNull(local, "local");
        this.localRole = Objects.requireNonNull(localRole, "localRole");
        this.localHello = Objects.requireNonNull(localHello, "localHello");
        if (!local.peerId().equals(localHello.peerId())) {
            throw new IllegalArgumentException("local HELLO carries " + localHello.peerId() + ", not this node's "
                    + local.peerId());
        }
        this.expectedPeer = expectedPeer;
        this.tlsPeer = tlsPeer;
    }

    public Hello localHello() {
        return localHello;
    }

    /** Decodes the peer's HELLO payload, then as {@link #onPeerHello(Hello)}. */
    public Auth onPeerHello(ByteBuf payload) {
        return onPeerHello(decode(() -> Hello.decode(payload)));
    }

    /**
     * Checks the peer's HELLO and returns this side's AUTH to send.
     *
     * @throws HandshakeException SELF_DIAL, TLS_KEY_MISMATCH, UNEXPECTED_PEER, or MALFORMED if a HELLO was already received
     */
    public Auth onPeerHello(Hello hello) {
        Objects.requireNonNull(hello, "hello");
        if (state != State.AWAIT_HELLO) {
            throw fail(Reason.MALFORMED, "unexpected HELLO from %s: the handshake is past HELLO (%s)",
                    hello.peerId(), state);
        }
        PeerId peer = hello.peerId();
        if (peer.equals(local.peerId())) {
            throw fail(Reason.SELF_DIAL, "dialed yourself: the peer's id %s is this node's own", peer);
        }
        if (tlsPeer != null && !tlsPeer.equals(peer)) {
            throw fail(Reason.TLS_KEY_MISMATCH, "HELLO key %s differs from the TLS certificate key %s", peer, tlsPeer);
        }
        if (expectedPeer != null && !expectedPeer.equals(peer)) {
            throw fail(Reason.UNEXPECTED_PEER, "expected peer %s but the peer is %s", expectedPeer, peer);
        }
        if (localRole == Role.LISTENER && hello.stripeCount() == 0 && !hello.unstriped()) {
            state = State.FAILED; // HANDSHAKE_FAILED on the wire, like any stripe fields out of range
            throw HandshakeException.malformed(MuxException.connection(ErrorCode.HANDSHAKE_FAILED,
                    "the dialer's HELLO from %s has no stripe (count 0)", peer));
        }
        peerHello = hello;
        state = State.AWAIT_AUTH;
        return Auth.sign(local, localRole, localHello, hello);
    }

    /** Decodes the peer's AUTH payload, then as {@link #onPeerAuth(Auth)}. */
    public PeerId onPeerAuth(ByteBuf payload) {
        return onPeerAuth(decode(() -> Auth.decode(payload)));
    }

    /**
     * Verifies the peer's AUTH; on success the handshake is complete.
     *
     * @return the authenticated peer
     * @throws HandshakeException BAD_SIGNATURE, or MALFORMED if it comes before HELLO or twice
     */
    public PeerId onPeerAuth(Auth auth) {
        Objects.requireNonNull(auth, "auth");
        if (state != State.AWAIT_AUTH) {
            throw fail(Reason.MALFORMED, "unexpected AUTH: %s", state == State.AWAIT_HELLO
                    ? "no HELLO received yet" : "the handshake is " + state);
        }
        if (!auth.verify(localRole.peer(), peerHello, localHello)) {
            throw fail(Reason.BAD_SIGNATURE, "AUTH signature of %s does not verify over the handshake transcript",
                    peerHello.peerId());
        }
        state = State.DONE;
        return peerHello.peerId();
    }

    /** Whether the peer's AUTH has been verified. */
    public boolean isComplete() {
        return state == State.DONE;
    }

    /**
     * The peer's HELLO once accepted by {@link #onPeerHello} (advertised address, stripe), else null.
     * Not authenticated until {@link #isComplete()}.
     */
    public Hello peerHello() {
        return peerHello;
    }

    private HandshakeException fail(Reason reason, String format, Object... args) {
        state = State.FAILED;
        return HandshakeException.of(reason, format, args);
    }

    private <T> T decode(Supplier<T> decoder) {
        try {
            return decoder.get();
        } catch (MuxException e) {
            state = State.FAILED;
            throw HandshakeException.malformed(e);
        }
    }
}
