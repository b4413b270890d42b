package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameListener;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.MuxException;
import io.chainmux.wire.Settings;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * Every frame the peer sends, after {@link io.chainmux.wire.FrameReader} has checked it on its own:
 * checks it against the connection's state (SETTINGS first, stream known, windows and limits kept),
 * then hands it to the part that acts on it: {@link ReceiveFlowControl} and the stream's listener
 * for DATA, {@link StreamRegistry} for OPEN, ACCEPT and RESET, {@link SendFlowControl} for
 * WINDOW_UPDATE, the connection for PING, GO_AWAY and SETTINGS.
 *
 * <p>A violation is thrown as a {@link MuxException} carrying its scope (stream or connection);
 * {@link MuxConnection#read} turns it into a RESET or a connection error.
 *
 * <p>Threading: event-loop confined.
 */
final class InboundFrameHandler implements FrameListener {
    private final MuxConnection connection;
    private final MuxConfig config;
    private final MuxStats stats;
    private final StreamRegistry registry;
    private final ReceiveFlowControl receiveFlow;
    private final SendFlowControl sendFlow;
    /** A peer's RESET of a stream it opened less than this ago is premature (Envoy's rapid-reset rule). */
    static final long PREMATURE_RESET_NANOS = 1_000_000_000L;
    private final RateBudget receivedResets;
    private final RateBudget pingBudget;
    /** Length of the last message reassembled from fragments: sizes the next one's buffer ({@link StreamInbox#append}). */
    private int lastAssembledLength;

    InboundFrameHandler(MuxConnection connection) {
        this.connection = connection;
        this.config = connection.config;
        this.stats = connection.stats();
        this.registry = connection.registry;
        this.receiveFlow = connection.receiveFlow;
        this.sendFlow = connection.sendFlow;
        this.receivedResets = new RateBudget(config.receivedResets(), stats, Budget.RECEIVED_RESETS);
        this.pingBudget = new RateBudget(config.pings(), stats, Budget.PINGS);
    }

    private void requireSettings(FrameType type) {
        if (connection.peerSettings() == null) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "%s before SETTINGS", type);
        }
    }

    @Override
    public void onData(int streamId, int flags, ByteBuf payload) {
        requireSettings(FrameType.DATA);
        int length = payload.readableBytes();
        int charge = WireFormat.dataCharge(length, flags);
        ReceiveFlowControl flow = receiveFlow;
        flow.chargeConnection(charge, streamId);
        stats.bytesIn += length;
        MuxStream s = registry.lookup(streamId, FrameType.DATA);
        if (s == null) {
            return; // a closed stream: the connection credit went back on receipt
        }
        if (s.state() == StreamState.OPENING) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "DATA on stream %d before its ACCEPT", streamId);
        }
        flow.chargeStream(s, charge);
        if (s.finReceived()) {
            throw MuxException.stream(streamId, ErrorCode.STREAM_CLOSED, "DATA after FIN");
        }
        boolean end = (flags & WireFormat.FLAG_END_MESSAGE) != 0;
        if (length > 0 || end) {
            StreamInbox inbox = s.inbox;
            long total = inbox.assemblingBytes() + (long) length;
            if (total > s.localMaxMessageSize) {
                throw MuxException.stream(streamId, ErrorCode.MESSAGE_TOO_LARGE,
                        "message of at least %d bytes exceeds the limit of %d", total, s.localMaxMessageSize);
            }
            if (!inbox.isAssembling() && end) {
                if (s.lends()) { // lent where it lies in the read buffer: no slice, no consumed call
                    delivered(s);
                    inbox.lend(s, payload, payload.readerIndex(), length);
                } else {
                    deliver(s, payload.readRetainedSlice(length));
                }
            } else {
                if (!flow.reserveAssembly(length)) {
                    stats.budgetHit(Budget.REASSEMBLY);
                    throw MuxException.stream(streamId, ErrorCode.ENHANCE_YOUR_CALM,
                            "partial messages on this connection would exceed the reassembly budget of %d bytes",
                            config.maxReassemblyBytes());
                }
                inbox.append(payload, length, connection.now(), connection.alloc(), s.localMaxMessageSize,
                        lastAssembledLength);
                if (end) {
                    ByteBuf m = inbox.takeAssembled();
                    lastAssembledLength = m.readableBytes();
                    flow.assemblyReleased(m.readableBytes());
                    deliver(s, m);
                } else {
                    flow.fragment(s, charge);
                }
            }
        }
        if ((flags & WireFormat.FLAG_FIN) != 0 && !s.terminated) {
            if (s.inbox.isAssembling()) {
                throw MuxException.stream(streamId, ErrorCode.PROTOCOL_ERROR, "FIN inside an incomplete message");
            }
            if (s.finWasReceived()) {
                registry.terminate(s, CloseReason.NORMAL);
            }
        }
    }

    private void deliver(MuxStream s, ByteBuf message) {
        delivered(s);
        s.inbox.dispatch(s, message);
    }

    /** A whole message of {@code s} goes to its listener (or its backlog): counted, and its early credit settled. */
    private void delivered(MuxStream s) {
        stats.messagesIn++;
        s.inbox.messageDelivered();
    }

    @Override
    public void onOpen(int streamId, int maxMessageSize, String networkId) {
        requireSettings(FrameType.OPEN);
        registry.peerOpened(streamId, maxMessageSize, networkId);
    }

    @Override
    public void onAccept(int streamId, int maxMessageSize) {
        requireSettings(FrameType.ACCEPT);
        MuxStream s = registry.lookup(streamId, FrameType.ACCEPT);
        if (s == null) {
            return;
        }
        if (!s.locallyInitiated || s.state() != StreamState.OPENING) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "ACCEPT for stream %d in state %s", streamId,
                    s.state());
        }
        s.acceptReceived(maxMessageSize);
        s.notifyAccepted();
    }

    /**
     * Whether a RESET from the peer counts against the rapid-reset budget: one for a stream it opened
     * less than {@link #PREMATURE_RESET_NANOS} ago, or for a stream already gone. A refusal or cancel
     * of a stream we opened answers our own open, and an established stream ending is ordinary churn
     * (at 1000 networks per connection, hundreds per minute).
     */
    private boolean abnormalReset(MuxStream s) {
        return s == null || (!s.locallyInitiated && connection.now() - s.openedNanos < PREMATURE_RESET_NANOS);
    }

    @Override
    public void onReset(int streamId, ErrorCode code, ByteBuf detail) {
        requireSettings(FrameType.RESET);
        stats.resetsReceived++;
        MuxStream s = registry.lookup(streamId, FrameType.RESET);
        if (abnormalReset(s) && !receivedResets.tryAcquire(connection.now())) {
            throw connection.shutdown.budgetBroken(Budget.RECEIVED_RESETS, "more than " + config.receivedResets().count()
                    + " premature RESETs in " + config.receivedResets().window());
        }
        if (s != null) {
            String message = code.isRefusal() ? "refused by peer" : "reset by peer";
            registry.terminate(s, CloseReason.remote(code, message, ByteBufUtil.getBytes(detail)));
        }
    }

    @Override
    public void onWindowUpdate(int streamId, int increment) {
        requireSettings(FrameType.WINDOW_UPDATE);
        OutboundWriter writer = connection.writer;
        if (streamId == WireFormat.CONNECTION_STREAM_ID) {
            sendFlow.connectionWindowUpdate(increment);
            if (writer.hasActive()) {
                writer.requestWrite();
            }
            return;
        }
        MuxStream s = registry.lookup(streamId, FrameType.WINDOW_UPDATE);
        if (s == null) {
            return;
        }
        sendFlow.streamWindowUpdate(s, increment);
        writer.onStreamReady(s);
    }

    @Override
    public void onPing(boolean ack, long opaque) {
        requireSettings(FrameType.PING);
        if (ack) {
            connection.pingAcked(opaque);
            return;
        }
        if (!pingBudget.tryAcquire(connection.now())) {
            throw connection.shutdown.budgetBroken(Budget.PINGS, "more than " + config.pings().count() + " PINGs in "
                    + config.pings().window());
        }
        OutboundWriter writer = connection.writer;
        writer.ping(true, opaque);
        writer.controlFrameQueued();
        writer.requestWrite();
    }

    @Override
    public void onGoAway(int lastStreamId, ErrorCode code, String reason) {
        requireSettings(FrameType.GO_AWAY);
        connection.shutdown.peerGoingAway(lastStreamId, code, reason);
    }

    @Override
    public void onSettings(Settings settings) {
        if (connection.peerSettings() != null) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "a second SETTINGS frame");
        }
        connection.peerReady(settings);
    }

    @Override
    public void onMaxStreams(int maxStreams) {
        requireSettings(FrameType.MAX_STREAMS);
        registry.peerStreamCredit(maxStreams);
    }

    @Override
    public void onHandshake(FrameType type, ByteBuf payload) {
        throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "%s after the handshake", type);
    }
}
