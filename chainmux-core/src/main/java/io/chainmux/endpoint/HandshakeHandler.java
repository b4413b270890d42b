package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.Auth;
import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.endpoint.identity.HandshakeException.Reason;
import io.chainmux.endpoint.identity.HandshakeVerifier;
import io.chainmux.endpoint.identity.Hello;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.endpoint.identity.Role;
import io.chainmux.endpoint.identity.TlsContexts;
import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameListener;
import io.chainmux.wire.FrameReader;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.MuxException;
import io.chainmux.wire.Preamble;
import io.chainmux.wire.Settings;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the start of a connection (docs/PROTOCOL.md sections 2 and 5): preamble and version
 * negotiation, then HELLO and AUTH, all within the handshake deadline. After a TLS handshake when
 * TLS is on. On success it hands the channel to {@link Outcome#completed}, which installs the
 * multiplexer behind it, and removes itself (bytes already received pass on to the next handler).
 * On failure it sends GO_AWAY with the reason's code where the peer can read it, and closes.
 * Event-loop confined.
 */
final class HandshakeHandler extends ByteToMessageDecoder implements FrameListener {
    /** The protocol version the handshake negotiated, on the channel. */
    static final io.netty.util.AttributeKey<Integer> VERSION = io.netty.util.AttributeKey.valueOf("chainmux.version");

    /** Largest handshake frame accepted before SETTINGS: the protocol's minimum frame size. */
    static final int MAX_HANDSHAKE_FRAME = 1024;

    /** The endpoint's side of the handshake: admission after HELLO, and the outcome. */
    interface Outcome {
        /** The peer's HELLO passed the identity checks; refuse it (crossing, limits) or return null. */
        HandshakeException admit(HandshakeHandler handshake, Hello peerHello);

        /**
         * The peer's AUTH verified; refuse the connection now (a crossing decided while this handshake
         * was in flight) or return null to complete it.
         */
        HandshakeException confirm(HandshakeHandler handshake);

        void completed(HandshakeHandler handshake, ChannelHandlerContext ctx, PeerId peer, Hello peerHello);

        void failed(HandshakeHandler handshake, ChannelHandlerContext ctx, HandshakeException failure);
    }

    private enum State { WAITING, PREAMBLE, FRAMES, DONE }

    private final NodeIdentity identity;
    private final Role role;
    private final int stripeIndex;
    private final int stripeCount;
    private final String advertisedAddress;
    private final PeerId expectedPeer;
    private final boolean tls;
    private final long timeoutNanos;
    private final Outcome outcome;
    private State state = State.WAITING;
    private boolean failed;
    private HandshakeVerifier verifier;
    private ScheduledFuture<?> deadline;
    /** The peer sent at least one byte (a timeout then is a slow peer, not a silent non-chainmux one). */
    private boolean heard;
    /** The context while decoding, for the frame callbacks. */
    private ChannelHandlerContext ctx;

    /**
     * @param stripeIndex  for a dialer: which stripe this connection is; a listener passes 0
     * @param stripeCount  for a dialer: how many stripes it keeps to this peer; a listener passes 0
     * @param expectedPeer for a dialer: the peer id it wants at that address, or null
     */
    HandshakeHandler(NodeIdentity identity, Role role, int stripeIndex, int stripeCount, String advertisedAddress,
                     PeerId expectedPeer, boolean tls, long timeoutNanos, Outcome outcome) {
        this.identity = identity;
        this.role = role;
        this.stripeIndex = stripeIndex;
        this.stripeCount = stripeCount;
        this.advertisedAddress = advertisedAddress;
        this.expectedPeer = expectedPeer;
        this.tls = tls;
        this.timeoutNanos = timeoutNanos;
        this.outcome = outcome;
    }

    Role role() {
        return role;
    }

    int stripeIndex() {
        return stripeIndex;
    }

    /** Whether this is a dial of ours for an unstriped connection (one stream, no stripe). */
    boolean unstriped() {
        return role == Role.DIALER && stripeIndex == Hello.UNSTRIPED_INDEX && stripeCount == 0;
    }

    PeerId expectedPeer() {
        return expectedPeer;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            startDeadline(ctx);
            if (!tls) {
                start(ctx);
            }
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        // A dial's deadline starts once TCP is connected: the connect has its own timeout, and a
        // refused or unreachable dial must not later read as a handshake timeout.
        startDeadline(ctx);
        if (!tls) {
            start(ctx);
        }
        super.channelActive(ctx);
    }

    private void startDeadline(ChannelHandlerContext ctx) {
        if (deadline == null && state != State.DONE) {
            deadline = ctx.executor().schedule(() -> fail(ctx, HandshakeException.of(Reason.TIMEOUT,
                    "handshake did not complete within %d ms%s", TimeUnit.NANOSECONDS.toMillis(timeoutNanos),
                    heard ? "" : " (the peer sent nothing: not a chainmux node, or a TLS one?)")),
                    timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false); // also when the channel is torn down without ever being active
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent e) {
            if (e.isSuccess()) {
                start(ctx);
            } else {
                Throwable c = e.cause();
                if (c instanceof io.netty.handler.ssl.NotSslRecordException) {
                    fail(ctx, HandshakeException.of(Reason.TLS_MISMATCH,
                            "the peer speaks plaintext: it has tls off, this node has tls on"));
                } else {
                    fail(ctx, HandshakeException.of(Reason.CONNECTION_FAILED, "TLS handshake failed: %s", c.getMessage()));
                }
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    /**
     * A plaintext dialer reached this TLS listener: answer in its language (preamble and GO_AWAY,
     * written below the TLS handler) so it can say why, instead of seeing a bare close.
     */
    private void tellPlaintextDialer(ChannelHandlerContext ctx) {
        ChannelHandlerContext below = ctx.pipeline().context(SslHandler.class);
        if (below == null || !ctx.channel().isActive()) {
            return;
        }
        String why = ForeignProtocol.TLS_REQUIRED;
        ByteBuf out = ctx.alloc().buffer(Preamble.LENGTH + WireFormat.HEADER_LENGTH + WireFormat.GO_AWAY_FIXED_LENGTH
                + why.length());
        Preamble.CURRENT.encode(out);
        FrameWriter.writeGoAway(out, 0, Reason.TLS_MISMATCH.errorCode, why);
        below.writeAndFlush(out);
    }

    /** Sends the preamble and our HELLO. */
    private void start(ChannelHandlerContext ctx) {
        if (state != State.WAITING) {
            return;
        }
        state = State.PREAMBLE;
        try {
            PeerId tlsPeer = tls ? TlsContexts.peerId(ctx.pipeline().get(SslHandler.class)) : null;
            Hello mine = Hello.create(identity, stripeIndex, stripeCount, advertisedAddress);
            verifier = new HandshakeVerifier(identity, role, mine, expectedPeer, tlsPeer);
            ByteBuf out = ctx.alloc().buffer(Preamble.LENGTH + WireFormat.HEADER_LENGTH + mine.encodedLength());
            Preamble.CURRENT.encode(out);
            mine.writeFrame(out);
            ctx.writeAndFlush(out);
        } catch (HandshakeException e) {
            fail(ctx, e);
        } catch (RuntimeException e) {
            fail(ctx, HandshakeException.of(Reason.CONNECTION_FAILED, "could not start the handshake: %s", e));
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        heard |= in.isReadable();
        try {
            if (state == State.PREAMBLE) {
                HandshakeException foreign = ForeignProtocol.recognize(in, tls);
                if (foreign != null) {
                    throw foreign;
                }
                if (in.readableBytes() >= Integer.BYTES && in.getInt(in.readerIndex()) != Preamble.MAGIC) {
                    throw HandshakeException.of(Reason.NOT_CHAINMUX, "not a chainmux peer: preamble starts 0x%08x",
                            in.getInt(in.readerIndex()));
                }
                Preamble peer = Preamble.decode(in);
                if (peer == null) {
                    return;
                }
                int version = Preamble.CURRENT.negotiate(peer);
                if (version < 0) {
                    throw HandshakeException.of(Reason.VERSION_MISMATCH,
                            "no common protocol version: we speak [%d, %d], the peer [%d, %d]",
                            Preamble.CURRENT.minVersion(), Preamble.CURRENT.maxVersion(), peer.minVersion(),
                            peer.maxVersion());
                }
                ctx.channel().attr(VERSION).set(version);
                state = State.FRAMES;
            }
            this.ctx = ctx;
            while (state == State.FRAMES && FrameReader.readFrame(in, MAX_HANDSHAKE_FRAME, this)) {
                // each frame advances the handshake
            }
        } catch (HandshakeException e) {
            fail(ctx, e);
        } catch (MuxException e) {
            fail(ctx, HandshakeException.malformed(e));
        } catch (RuntimeException e) { // a bug of ours: contained, the connection still ends
            Endpoint.log.warn("handshake with {} failed on an internal error", ctx.channel().remoteAddress(), e);
            fail(ctx, HandshakeException.of(Reason.CONNECTION_FAILED, "internal error during the handshake: %s", e));
        }
        if (failed) {
            in.skipBytes(in.readableBytes()); // after success the rest (SETTINGS, ...) belongs to the mux
        }
    }

    @Override
    public void onHandshake(FrameType type, ByteBuf payload) {
        if (type == FrameType.HELLO) {
            Auth reply = verifier.onPeerHello(payload);
            HandshakeException refusal = outcome.admit(this, verifier.peerHello());
            if (refusal != null) {
                throw refusal;
            }
            ByteBuf out = ctx.alloc().buffer(WireFormat.HEADER_LENGTH + Auth.LENGTH);
            reply.writeFrame(out);
            ctx.writeAndFlush(out);
        } else {
            PeerId peer = verifier.onPeerAuth(payload);
            HandshakeException refusal = outcome.confirm(this);
            if (refusal != null) {
                throw refusal;
            }
            state = State.DONE;
            deadline.cancel(false);
            try {
                outcome.completed(this, ctx, peer, verifier.peerHello());
            } catch (RuntimeException e) {
                ctx.close();
                throw e;
            }
        }
    }

    @Override
    public void onGoAway(int lastStreamId, ErrorCode code, String reason) {
        Reason r = code == ErrorCode.CROSSED_CONNECTION ? Reason.CROSSED
                : code == ErrorCode.REFUSED_CONNECTION ? Reason.LIMIT
                : ForeignProtocol.isTlsMismatch(reason) ? Reason.TLS_MISMATCH : Reason.REFUSED_BY_PEER;
        if (r == Reason.TLS_MISMATCH) {
            throw HandshakeException.of(r, "the peer has tls on, this node has tls off (the peer said: %s)", reason);
        }
        throw HandshakeException.of(r, "the peer ended the handshake: %s %s", code, reason);
    }

    private static MuxException unexpected(FrameType type) {
        return MuxException.connection(ErrorCode.PROTOCOL_ERROR, "%s frame during the handshake", type);
    }

    @Override
    public void onData(int streamId, int flags, ByteBuf payload) {
        throw unexpected(FrameType.DATA);
    }

    @Override
    public void onOpen(int streamId, int maxMessageSize, String networkId) {
        throw unexpected(FrameType.OPEN);
    }

    @Override
    public void onAccept(int streamId, int maxMessageSize) {
        throw unexpected(FrameType.ACCEPT);
    }

    @Override
    public void onReset(int streamId, ErrorCode code, ByteBuf detail) {
        throw unexpected(FrameType.RESET);
    }

    @Override
    public void onWindowUpdate(int streamId, int increment) {
        throw unexpected(FrameType.WINDOW_UPDATE);
    }

    @Override
    public void onPing(boolean ack, long opaque) {
        throw unexpected(FrameType.PING);
    }

    @Override
    public void onSettings(Settings settings) {
        throw unexpected(FrameType.SETTINGS);
    }

    @Override
    public void onMaxStreams(int maxStreams) {
        throw unexpected(FrameType.MAX_STREAMS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        fail(ctx, HandshakeException.of(Reason.CONNECTION_FAILED, "the connection closed during the handshake"));
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, HandshakeException.of(Reason.CONNECTION_FAILED, "connection error during the handshake: %s", cause));
    }

    /**
     * Ends the handshake once: GO_AWAY with the reason's code when the peer can read it (never to a
     * peer that is not chainmux), then close. Whatever the outcome's bookkeeping throws, the
     * connection is closed: a failed handshake never holds its connection.
     */
    void fail(ChannelHandlerContext ctx, HandshakeException e) {
        if (state == State.DONE) {
            ctx.close(); // already ended (or failing again after a bug): make sure it is closed
            return;
        }
        boolean spoke = state != State.WAITING;
        state = State.DONE;
        failed = true;
        if (deadline != null) {
            deadline.cancel(false);
        }
        try {
            outcome.failed(this, ctx, e); // count and report before the peer can see the close
        } catch (RuntimeException bug) {
            Endpoint.log.warn("handshake failure of {} not fully recorded", ctx.channel().remoteAddress(), bug);
        }
        if (tls && role == Role.LISTENER && e.reason() == Reason.TLS_MISMATCH) {
            tellPlaintextDialer(ctx);
        }
        // no GO_AWAY to a peer that does not speak our framing (another protocol, or TLS to our plaintext)
        if (spoke && ctx.channel().isActive() && e.errorCode().onWire() && e.reason() != Reason.NOT_CHAINMUX
                && e.reason() != Reason.TLS_MISMATCH) {
            ByteBuf out = ctx.alloc().buffer(WireFormat.HEADER_LENGTH + WireFormat.GO_AWAY_FIXED_LENGTH
                    + WireFormat.MAX_GO_AWAY_REASON_LENGTH);
            FrameWriter.writeGoAway(out, 0, e.errorCode(), e.getMessage());
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }
}
