package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameListener;
import io.chainmux.wire.FrameReader;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.MuxException;
import io.chainmux.wire.Settings;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * One multiplexed connection: the state machine behind docs/PROTOCOL.md sections 4-8. Created and
 * driven by {@link MuxHandler}; confined to the channel's event loop. Public methods are safe from
 * any thread.
 */
public final class MuxSession implements FrameListener {
    private static final Logger log = LoggerFactory.getLogger(MuxSession.class);
    private static final int MAX_PINGS_IN_FLIGHT = 32;

    final MuxConfig config;
    private final boolean dialer;
    private final SessionListener listener;
    private final MuxStats stats = new MuxStats();
    final SendFlowControl sendFlow;
    final OutboundWriter writer;
    final ReceiveFlowControl receiveFlow;
    /**
     * Streams counted by {@link #load()}: +1 when a local open is requested (on the caller's thread) or a
     * peer's stream is registered, -1 when the stream terminates. One counter, so a stream moving from
     * "requested" to "pending" to "open" on the loop is never briefly missing from another thread's view.
     */
    private final java.util.concurrent.atomic.AtomicInteger load = new java.util.concurrent.atomic.AtomicInteger();
    private final IntObjectHashMap<MuxStream> streams = new IntObjectHashMap<>();
    private final ArrayDeque<MuxStream> pendingOpens = new ArrayDeque<>();
    private final Map<String, Integer> streamsPerNetwork = new HashMap<>();
    private final Map<Long, PendingPing> pings = new HashMap<>();

    private ChannelHandlerContext ctx;
    private EventExecutor loop;
    private RateBudget receivedResets;
    private RateBudget sentResets;
    private RateBudget pingBudget;
    private ScheduledFuture<?> settingsTimer;
    private ScheduledFuture<?> goAwayTimer;

    private Settings peerSettings;
    private MuxStream lastStream;
    private volatile long rttNanos;

    private int nextLocalStreamId;
    private int lastPeerStreamId;
    private int localStreamsOpened;
    private int peerStreamCredit;
    private int peerStreamsOpened;
    private int peerStreamsClosed;
    private int grantedStreamCredit;
    private int pendingAccepts;
    private long pingCounter;

    private boolean started;
    /** {@link #goAway} was called (from any thread); GO_AWAY may not be sent yet. */
    private volatile boolean goAwayRequested;
    private volatile boolean goAwaySent;
    private volatile boolean goAwayReceived;
    private boolean hardClosing;
    private volatile boolean closed;
    private CloseReason closeReason;
    private final CompletableFuture<CloseReason> closeFuture = new CompletableFuture<>();

    /**
     * @param dialer whether this side dialed the TCP connection (it opens odd stream ids)
     */
    public MuxSession(MuxConfig config, boolean dialer, SessionListener listener) {
        this.config = config;
        this.dialer = dialer;
        this.listener = listener;
        this.nextLocalStreamId = dialer ? 1 : 2;
        this.grantedStreamCredit = config.maxInboundStreams();
        this.sendFlow = new SendFlowControl(this);
        this.writer = new OutboundWriter(this, sendFlow);
        this.receiveFlow = new ReceiveFlowControl(this);
    }

    // ------------------------------------------------------------------ public API

    /**
     * Opens a stream for a network. Returns at once; the OPEN goes out as soon as the peer's stream
     * credit allows, and {@code listener} hears {@code onAccepted} or {@code onClosed} (refused).
     * Messages may be queued right away.
     *
     * @param networkId             which logical network (printable ASCII, 1-255 characters)
     * @param maxInboundMessageSize largest message we accept on this stream
     * @param weight                scheduling weight in [1, 256]
     */
    public MuxStream openStream(String networkId, int maxInboundMessageSize, int weight, StreamListener listener) {
        FrameReader.validateNetworkId(networkId);
        if (maxInboundMessageSize < 1) {
            throw new IllegalArgumentException("maxInboundMessageSize must be >= 1, was " + maxInboundMessageSize);
        }
        if (listener == null) {
            throw new IllegalArgumentException("listener is required");
        }
        MuxStream s = new MuxStream(this, true, networkId, weight, config.maxQueuedMessagesPerStream());
        s.listener = listener;
        s.countedInLoad = true;
        load.incrementAndGet();
        s.localMaxMessageSize = Math.min(maxInboundMessageSize, config.maxMessageSize());
        runOnLoop(() -> registerOpen(s));
        return s;
    }

    /** Measures the round trip with a PING; completes exceptionally if the session closes first. */
    public CompletableFuture<Duration> ping() {
        CompletableFuture<Duration> f = new CompletableFuture<>();
        runOnLoop(() -> sendPing(f));
        return f;
    }

    /**
     * Graceful shutdown: tells the peer no new streams will be accepted, lets existing streams finish,
     * then closes. Streams still open after {@link MuxConfig#goAwayTimeout()} fail.
     */
    public void goAway(String reason) {
        goAwayRequested = true; // seen by isOpenForStreams() at once, before the loop sends GO_AWAY
        runOnLoop(() -> sendGoAway(ErrorCode.NO_ERROR, reason));
    }

    /** Closes at once with an error code: GO_AWAY(code), then the connection closes; streams fail. */
    public void abort(ErrorCode code, String reason) {
        runOnLoop(() -> connectionError(code, reason));
    }

    /** Completes with the session's close reason once it is closed. */
    public CompletableFuture<CloseReason> closeFuture() {
        return closeFuture;
    }

    public boolean isDialer() {
        return dialer;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Closing: a connection error or a drained go-away started the close; nothing more is written. */
    boolean isHardClosing() {
        return hardClosing;
    }

    /** Whether new streams may be opened here: no go-away either way and not closed (SETTINGS may still be due). */
    public boolean isOpenForStreams() {
        return !goAwayRequested && !goAwaySent && !goAwayReceived && !closed && !hardClosing;
    }

    /** Whether the peer's SETTINGS arrived and no go-away has happened. */
    public boolean isAcceptingStreams() {
        return peerSettings != null && !goAwaySent && !goAwayReceived && !closed;
    }

    /** Smoothed round-trip time in nanoseconds, 0 before the first measurement; any thread. */
    long rttNanos() {
        return rttNanos;
    }

    /** Smoothed round-trip time from PINGs, or null before the first measurement. */
    public Duration rtt() {
        long r = rttNanos;
        return r == 0 ? null : Duration.ofNanos(r);
    }

    public MuxStats stats() {
        return stats;
    }

    public Channel channel() {
        return ctx == null ? null : ctx.channel();
    }

    /** Open streams (racy snapshot when read off the event loop). */
    public int streamCount() {
        return streams.size();
    }

    /**
     * Streams open or being opened here, counting opens another thread has requested that the event
     * loop has not registered yet: what a stripe policy should compare.
     */
    public int load() {
        return load.get();
    }

    /** Outbound bytes queued over all streams. */
    public long queuedBytes() {
        return sendFlow.budget().queued();
    }

    /** A one-line-per-stream dump of flow-control state, for diagnostics; call on the event loop. */
    String debugState() {
        StringBuilder b = new StringBuilder("conn send=" + sendFlow.connectionWindow() + " recv="
                + (receiveFlow.connectionWindow() == null ? -1 : receiveFlow.connectionWindow().available())
                + " active=" + writer.hasActive() + " writable="
                + (ctx != null && ctx.channel().isWritable()) + " writeScheduled=" + writer.writeScheduled()
                + " reading=" + writer.reading()
                + " budget=" + (ctx == null ? -1 : ctx.channel().bytesBeforeUnwritable()) + " pendingOut="
                + writer.pendingBytes() + "\n");
        for (MuxStream st : streams.values()) {
            b.append("  ").append(st).append(" send=").append(st.sendWindow).append(" recv=")
                    .append(st.receiveWindow.available()).append("/").append(st.receiveWindow.size())
                    .append(" unconsumed=").append(st.credit.unconsumed()).append(" queued=").append(st.queuedBytes())
                    .append(" nodeActive=").append(st.node.active).append('\n');
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ lifecycle (MuxHandler)

    void attach(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.loop = ctx.executor();
        writer.attach(ctx);
        this.receivedResets = new RateBudget(config.receivedResets());
        this.sentResets = new RateBudget(config.sentResets());
        this.pingBudget = new RateBudget(config.pings());
        receiveFlow.attach(now());
    }

    /** Sends our SETTINGS and starts waiting for the peer's. */
    void start() {
        if (started) {
            return;
        }
        started = true;
        writer.settings(config.settings());
        settingsTimer = loop.schedule(() -> {
            if (peerSettings == null) {
                connectionError(ErrorCode.SETTINGS_TIMEOUT, "no SETTINGS from the peer within "
                        + config.settingsTimeout().toMillis() + " ms");
            }
        }, config.settingsTimeout().toNanos(), TimeUnit.NANOSECONDS);
        writer.requestWrite();
    }

    /** Decodes every complete frame in {@code in}. */
    void read(ByteBuf in) {
        writer.readStarted();
        try {
            while (!hardClosing) {
                try {
                    if (!FrameReader.readFrame(in, config.maxFrameSize(), this)) {
                        break;
                    }
                } catch (MuxException e) {
                    if (e.isConnectionError()) {
                        connectionError(e.code(), e.getMessage());
                    } else {
                        MuxStream s = streams.get(e.streamId());
                        if (s != null) {
                            resetStream(s, e.code(), null, e.getMessage());
                        }
                    }
                } catch (RuntimeException e) {
                    log.error("unexpected failure while processing a frame; closing the connection", e);
                    connectionError(ErrorCode.INTERNAL_ERROR, "internal error: " + e);
                }
            }
            if (hardClosing) {
                in.skipBytes(in.readableBytes());
            }
        } finally {
            writer.readEnded();
        }
    }

    void readComplete() {
        writer.readComplete();
    }

    void writabilityChanged(boolean writable) {
        writer.writabilityChanged(writable);
    }

    /** The channel is gone: every stream and the session end now. */
    void channelClosed() {
        if (closed) {
            return;
        }
        hardClosing = true;
        CloseReason reason = closeReason != null ? closeReason
                : CloseReason.local(ErrorCode.CONNECTION_LOST, "connection closed");
        CloseReason streamReason = reason.isNormal()
                ? CloseReason.local(ErrorCode.CONNECTION_LOST, "connection closed while the stream was open")
                : reason;
        for (MuxStream s : new ArrayList<>(streams.values())) {
            terminate(s, streamReason);
        }
        MuxStream s;
        while ((s = pendingOpens.poll()) != null) {
            terminate(s, streamReason);
        }
        for (PendingPing p : pings.values()) {
            p.future.completeExceptionally(new IllegalStateException("session closed: " + reason));
        }
        pings.clear();
        cancel(settingsTimer);
        cancel(goAwayTimer);
        writer.discard();
        closed = true;
        try {
            listener.onClosed(this, reason);
        } catch (RuntimeException e) {
            log.warn("session listener failed on close", e);
        }
        closeFuture.complete(reason);
    }

    // ------------------------------------------------------------------ threading helpers

    /** Whether the session holds an output buffer now; between event-loop passes it never does. */
    boolean holdsOutputBuffer() {
        return writer.holdsBuffer();
    }

    ByteBufAllocator alloc() {
        return ctx == null ? ByteBufAllocator.DEFAULT : ctx.alloc();
    }

    boolean inEventLoop() {
        return loop == null || loop.inEventLoop();
    }

    void execute(Runnable task) {
        loop.execute(task);
    }

    void runOnLoop(Runnable task) {
        if (loop == null) {
            throw new IllegalStateException("session is not attached to a channel yet");
        }
        if (loop.inEventLoop()) {
            runSafely(task);
        } else {
            loop.execute(() -> runSafely(task));
        }
    }

    private void runSafely(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("unexpected failure in session task; closing the connection", e);
            connectionError(ErrorCode.INTERNAL_ERROR, "internal error: " + e);
        }
    }

    long now() {
        return loop.ticker().nanoTime();
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    // ------------------------------------------------------------------ send buffer accounting

    int peerMaxMessageSize() {
        Settings p = peerSettings;
        return p == null ? config.maxMessageSize() : p.maxMessageSize();
    }


    // ------------------------------------------------------------------ opening and accepting

    private void registerOpen(MuxStream s) {
        if (s.terminated) {
            return;
        }
        if (goAwaySent || goAwayReceived || hardClosing || closed) {
            terminate(s, CloseReason.local(ErrorCode.REFUSED_GOING_AWAY, "the session is going away"));
            return;
        }
        if (pendingOpens.size() >= config.maxPendingOpens() && !canOpenNow()) {
            terminate(s, CloseReason.local(ErrorCode.REFUSED_LIMIT, "more than " + config.maxPendingOpens()
                    + " opens are waiting for stream credit"));
            return;
        }
        pendingOpens.add(s);
        processPendingOpens();
    }

    private boolean canOpenNow() {
        return peerSettings != null && localStreamsOpened < peerStreamCredit;
    }

    private void processPendingOpens() {
        while (canOpenNow() && !pendingOpens.isEmpty() && !goAwaySent && !goAwayReceived) {
            MuxStream s = pendingOpens.poll();
            if (s.terminated) {
                continue;
            }
            if (nextLocalStreamId < 0) {
                terminate(s, CloseReason.local(ErrorCode.REFUSED_LIMIT, "stream ids exhausted"));
                sendGoAway(ErrorCode.NO_ERROR, "stream ids exhausted");
                return;
            }
            if (networkCount(s.networkId) >= config.maxStreamsPerNetwork()) {
                terminate(s, CloseReason.local(ErrorCode.REFUSED_LIMIT, "network " + s.networkId + " has "
                        + config.maxStreamsPerNetwork() + " streams open on this connection"));
                continue;
            }
            int id = nextLocalStreamId;
            nextLocalStreamId += 2;
            s.id(id);
            streams.put(id, s);
            localStreamsOpened++;
            stats.streamsOpenedLocal++;
            addNetworkCount(s.networkId, 1);
            sendFlow.streamOpened(s, peerSettings);
            receiveFlow.streamOpened(s);
            s.state(StreamState.OPENING);
            writer.open(id, s.localMaxMessageSize, s.networkId);
            writer.controlFrameQueued();
            writer.onStreamReady(s);
        }
        writer.requestWrite();
    }

    void acceptStream(MuxStream s, StreamListener l, int maxMessageSize) {
        if (s.terminated) {
            if (s.listener == null) {
                s.listener = l;
                notifyClosed(s, s.closeReason());
            }
            return;
        }
        if (s.state() != StreamState.PENDING_ACCEPT) {
            log.warn("ignoring a second accept of stream {}", s.describe());
            return;
        }
        pendingAccepts--;
        s.listener = l;
        s.localMaxMessageSize = Math.min(maxMessageSize, config.maxMessageSize());
        writer.accept(s.id(), s.localMaxMessageSize);
        writer.controlFrameQueued();
        s.state(s.finReceived ? StreamState.HALF_CLOSED_REMOTE : StreamState.OPEN);
        writer.requestWrite();
        if (s.backlog != null) {
            s.credit.backlogDelivered();
            ByteBuf m;
            while (!s.terminated && (m = s.backlog.poll()) != null) {
                dispatch(s, m);
            }
        }
        if (!s.terminated && s.finReceived) {
            notifyRemoteClosed(s);
        }
        if (!s.outboundEmpty() || s.finRequested) {
            writer.onStreamReady(s);
        }
    }

    /** Sends RESET (if the peer knows the stream) and ends it locally. */
    void resetStream(MuxStream s, ErrorCode code, byte[] detail, String message) {
        if (s.terminated) {
            return;
        }
        boolean refusal = s.state() == StreamState.PENDING_ACCEPT;
        if (s.id() != 0 && !hardClosing) {
            ByteBuf d = detail == null ? null : Unpooled.wrappedBuffer(detail);
            writer.reset(s.id(), code, d);
            stats.resetsSent++;
            writer.controlFrameQueued();
            writer.requestWrite();
            if (!sentResets.tryAcquire(now())) {
                stats.budgetExceeded++;
                terminate(s, CloseReason.local(code, message));
                connectionError(ErrorCode.ENHANCE_YOUR_CALM, "the peer provoked more than "
                        + config.sentResets().count() + " resets in " + config.sentResets().window());
                return;
            }
        }
        if (refusal) {
            stats.streamsRefusedLocal++;
        }
        terminate(s, CloseReason.local(code, message));
    }

    // ------------------------------------------------------------------ stream termination

    /** Ends a stream exactly once: frees its id, credit and buffers, then tells its listener. */
    private void terminate(MuxStream s, CloseReason reason) {
        if (s.terminated) {
            return;
        }
        s.terminated = true;
        if (s.countedInLoad) {
            s.countedInLoad = false;
            load.decrementAndGet();
        }
        s.closeReason(reason);
        StreamState before = s.state();
        s.state(StreamState.CLOSED);
        boolean registered = s.id() != 0 && streams.remove(s.id()) != null;
        if (registered) {
            addNetworkCount(s.networkId, -1);
            if (!s.locallyInitiated) {
                if (before == StreamState.PENDING_ACCEPT) {
                    pendingAccepts--;
                }
                peerStreamClosed();
            }
        }
        receiveFlow.streamEnded(s, registered);
        s.releaseBuffers();
        notifyClosed(s, reason);
        if (sendFlow.hasWatchers()) {
            writer.requestWrite();
        }
        closeIfDrained();
    }

    private void peerStreamClosed() {
        peerStreamsClosed++;
        int credit = peerStreamsClosed + config.maxInboundStreams();
        if (credit < 0) {
            return; // credit field saturated at 2^31-1; ids run out first
        }
        if (credit - grantedStreamCredit >= Math.max(1, config.maxInboundStreams() / 2)) {
            grantedStreamCredit = credit;
            writer.maxStreams(credit);
            writer.controlFrameQueued();
            writer.requestWrite();
        }
    }

    private int networkCount(String networkId) {
        return streamsPerNetwork.getOrDefault(networkId, 0);
    }

    private void addNetworkCount(String networkId, int delta) {
        int n = networkCount(networkId) + delta;
        if (n <= 0) {
            streamsPerNetwork.remove(networkId);
        } else {
            streamsPerNetwork.put(networkId, n);
        }
    }

    // ------------------------------------------------------------------ listener calls (contained)

    private void deliver(MuxStream s, ByteBuf message) {
        stats.messagesIn++;
        s.credit.delivered(s.listener == null);
        dispatch(s, message);
    }

    private void dispatch(MuxStream s, ByteBuf message) {
        if (s.listener == null) {
            if (s.backlog == null) {
                s.backlog = new ArrayDeque<>();
            }
            s.backlog.add(message);
            return;
        }
        try {
            s.listener.onMessage(s, message);
        } catch (RuntimeException e) {
            log.warn("stream listener failed on a message; resetting stream {}", s.describe(), e);
            resetStream(s, ErrorCode.INTERNAL_ERROR, null, "listener failed: " + e);
        }
    }

    private void notifyRemoteClosed(MuxStream s) {
        try {
            s.listener.onRemoteClosed(s);
        } catch (RuntimeException e) {
            log.warn("stream listener failed on remote close of {}", s.describe(), e);
        }
    }

    private void notifyClosed(MuxStream s, CloseReason reason) {
        if (s.listener == null) {
            return; // an inbound stream nobody accepted yet: accept() reports the close
        }
        try {
            s.listener.onClosed(s, reason);
        } catch (RuntimeException e) {
            log.warn("stream listener failed on close of {}", s.describe(), e);
        }
    }

    // ------------------------------------------------------------------ inbound frames

    private void requireSettings(FrameType type) {
        if (peerSettings == null) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "%s before SETTINGS", type);
        }
    }

    /** Looks up a stream; null for a closed one (ignore the frame); idle ids are a protocol error. */
    private MuxStream stream(int id, FrameType type) {
        MuxStream s = lastStream;
        if (s != null && s.id() == id && !s.terminated) {
            return s; // frames of one stream tend to arrive in runs: skip the hash lookup
        }
        s = streams.get(id);
        if (s != null) {
            lastStream = s;
            return s;
        }
        boolean ours = WireFormat.isDialerStream(id) == dialer;
        boolean seen = ours ? id < nextLocalStreamId : id <= lastPeerStreamId;
        if (!seen) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "%s for stream %d, which was never opened",
                    type, id);
        }
        return null;
    }

    @Override
    public void onData(int streamId, int flags, ByteBuf payload) {
        requireSettings(FrameType.DATA);
        int length = payload.readableBytes();
        int charge = WireFormat.dataCharge(length, flags);
        ReceiveFlowControl flow = receiveFlow;
        flow.chargeConnection(charge, streamId);
        stats.bytesIn += length;
        MuxStream s = stream(streamId, FrameType.DATA);
        if (s == null) {
            flow.returnConnectionCredit(charge);
            return;
        }
        if (s.state() == StreamState.OPENING) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "DATA on stream %d before its ACCEPT", streamId);
        }
        flow.chargeStream(s, charge);
        if (s.finReceived) {
            flow.returnConnectionCredit(charge);
            throw MuxException.stream(streamId, ErrorCode.STREAM_CLOSED, "DATA after FIN");
        }
        boolean end = (flags & WireFormat.FLAG_END_MESSAGE) != 0;
        if (length > 0 || end) {
            long total = (s.assembling == null ? 0 : s.assembling.readableBytes()) + (long) length;
            if (total > s.localMaxMessageSize) {
                flow.returnConnectionCredit(charge);
                throw MuxException.stream(streamId, ErrorCode.MESSAGE_TOO_LARGE,
                        "message of at least %d bytes exceeds the limit of %d", total, s.localMaxMessageSize);
            }
            if (s.assembling == null && end) {
                deliver(s, payload.readRetainedSlice(length));
            } else {
                if (!flow.reserveAssembly(length)) {
                    flow.returnConnectionCredit(charge);
                    stats.budgetExceeded++;
                    throw MuxException.stream(streamId, ErrorCode.ENHANCE_YOUR_CALM,
                            "partial messages on this connection would exceed the reassembly budget of %d bytes",
                            config.maxReassemblyBytes());
                }
                if (s.assembling == null) {
                    s.assembling = ctx.alloc().buffer(Math.min(Math.max(length * 2, 256), s.localMaxMessageSize),
                            s.localMaxMessageSize);
                }
                s.assembling.writeBytes(payload, length);
                if (end) {
                    ByteBuf m = s.assembling;
                    s.assembling = null;
                    flow.assemblyReleased(m.readableBytes());
                    deliver(s, m);
                } else {
                    flow.fragment(s, charge);
                }
            }
        }
        if ((flags & WireFormat.FLAG_FIN) != 0 && !s.terminated) {
            if (s.assembling != null) {
                throw MuxException.stream(streamId, ErrorCode.PROTOCOL_ERROR, "FIN inside an incomplete message");
            }
            s.finReceived = true;
            remoteFin(s);
        }
    }

    private void remoteFin(MuxStream s) {
        switch (s.state()) {
            case OPEN -> {
                s.state(StreamState.HALF_CLOSED_REMOTE);
                notifyRemoteClosed(s);
            }
            case HALF_CLOSED_LOCAL -> terminate(s, CloseReason.NORMAL);
            default -> { } // PENDING_ACCEPT: reported after accept
        }
    }

    @Override
    public void onOpen(int streamId, int maxMessageSize, String networkId) {
        requireSettings(FrameType.OPEN);
        if (WireFormat.isDialerStream(streamId) == dialer) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "peer opened stream %d with our parity", streamId);
        }
        if (streamId <= lastPeerStreamId) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR,
                    "OPEN for stream %d, not above the last opened id %d", streamId, lastPeerStreamId);
        }
        if (peerStreamsOpened >= grantedStreamCredit) {
            throw MuxException.connection(ErrorCode.STREAM_LIMIT_ERROR,
                    "peer opened stream number %d but was granted %d", peerStreamsOpened + 1L, grantedStreamCredit);
        }
        lastPeerStreamId = streamId;
        peerStreamsOpened++;
        stats.streamsOpenedRemote++;
        MuxStream s = new MuxStream(this, false, networkId, 1, config.maxQueuedMessagesPerStream());
        s.id(streamId);
        s.peerMaxMessageSize = maxMessageSize;
        s.localMaxMessageSize = config.maxMessageSize();
        sendFlow.streamOpened(s, peerSettings);
        receiveFlow.streamOpened(s);
        streams.put(streamId, s);
        s.countedInLoad = true;
        load.incrementAndGet();
        addNetworkCount(networkId, 1);
        pendingAccepts++;
        if (goAwaySent) {
            resetStream(s, ErrorCode.REFUSED_GOING_AWAY, null, "opened after our GO_AWAY");
        } else if (pendingAccepts > config.maxPendingAccepts()) {
            resetStream(s, ErrorCode.REFUSED_LIMIT, null, "more than " + config.maxPendingAccepts()
                    + " opens are waiting to be accepted");
        } else if (networkCount(networkId) > config.maxStreamsPerNetwork()) {
            resetStream(s, ErrorCode.REFUSED_LIMIT, null, "network " + networkId + " has "
                    + config.maxStreamsPerNetwork() + " streams open on this connection");
        } else {
            try {
                listener.onStreamOpened(s);
            } catch (RuntimeException e) {
                log.warn("session listener failed on an inbound stream; refusing it", e);
                resetStream(s, ErrorCode.INTERNAL_ERROR, null, "listener failed: " + e);
            }
        }
    }

    @Override
    public void onAccept(int streamId, int maxMessageSize) {
        requireSettings(FrameType.ACCEPT);
        MuxStream s = stream(streamId, FrameType.ACCEPT);
        if (s == null) {
            return;
        }
        if (!s.locallyInitiated || s.state() != StreamState.OPENING) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "ACCEPT for stream %d in state %s", streamId,
                    s.state());
        }
        s.peerMaxMessageSize = maxMessageSize;
        s.state(s.finSent ? StreamState.HALF_CLOSED_LOCAL : StreamState.OPEN);
        try {
            s.listener.onAccepted(s);
        } catch (RuntimeException e) {
            log.warn("stream listener failed on accept of {}", s.describe(), e);
        }
    }

    @Override
    public void onReset(int streamId, ErrorCode code, ByteBuf detail) {
        requireSettings(FrameType.RESET);
        stats.resetsReceived++;
        if (!receivedResets.tryAcquire(now())) {
            stats.budgetExceeded++;
            throw MuxException.connection(ErrorCode.ENHANCE_YOUR_CALM, "more than %d RESETs in %s",
                    config.receivedResets().count(), config.receivedResets().window());
        }
        MuxStream s = stream(streamId, FrameType.RESET);
        if (s != null) {
            String message = code.isRefusal() ? "refused by peer" : "reset by peer";
            terminate(s, CloseReason.remote(code, message, ByteBufUtil.getBytes(detail)));
        }
    }

    @Override
    public void onWindowUpdate(int streamId, int increment) {
        requireSettings(FrameType.WINDOW_UPDATE);
        if (streamId == WireFormat.CONNECTION_STREAM_ID) {
            sendFlow.connectionWindowUpdate(increment);
            if (writer.hasActive()) {
                writer.requestWrite();
            }
            return;
        }
        MuxStream s = stream(streamId, FrameType.WINDOW_UPDATE);
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
            PendingPing p = pings.remove(opaque);
            if (p != null) {
                long sample = Math.max(1, now() - p.startNanos);
                long r = rttNanos;
                rttNanos = r == 0 ? sample : (7 * r + sample) / 8;
                p.future.complete(Duration.ofNanos(sample));
            }
            return;
        }
        if (!pingBudget.tryAcquire(now())) {
            stats.budgetExceeded++;
            throw MuxException.connection(ErrorCode.ENHANCE_YOUR_CALM, "more than %d PINGs in %s",
                    config.pings().count(), config.pings().window());
        }
        writer.ping(true, opaque);
        writer.controlFrameQueued();
        writer.requestWrite();
    }

    @Override
    public void onGoAway(int lastStreamId, ErrorCode code, String reason) {
        requireSettings(FrameType.GO_AWAY);
        boolean first = !goAwayReceived;
        goAwayReceived = true;
        CloseReason refused = CloseReason.remote(ErrorCode.REFUSED_GOING_AWAY,
                "not processed: the peer is going away (" + reason + ")", null);
        for (MuxStream s : new ArrayList<>(streams.values())) {
            if (s.locallyInitiated && s.id() > lastStreamId) {
                terminate(s, refused);
            }
        }
        MuxStream p;
        while ((p = pendingOpens.poll()) != null) {
            terminate(p, refused);
        }
        if (code != ErrorCode.NO_ERROR && closeReason == null) {
            closeReason = CloseReason.remote(code, "peer closed the connection: " + reason, null);
        }
        if (first) {
            try {
                listener.onGoAway(this, code, reason);
            } catch (RuntimeException e) {
                log.warn("session listener failed on go-away", e);
            }
            if (goAwayTimer == null) {
                goAwayTimer = loop.schedule(this::goAwayExpired, config.goAwayTimeout().toNanos(),
                        TimeUnit.NANOSECONDS);
            }
        }
        closeIfDrained();
    }

    @Override
    public void onSettings(Settings settings) {
        if (peerSettings != null) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "a second SETTINGS frame");
        }
        peerSettings = settings;
        sendFlow.peerSettings(settings);
        peerStreamCredit = settings.maxStreams();
        writer.peerSettings(settings);
        cancel(settingsTimer);
        sendPing(new CompletableFuture<>()); // first RTT sample, for window autotuning
        try {
            listener.onReady(this);
        } catch (RuntimeException e) {
            log.warn("session listener failed on ready", e);
        }
        processPendingOpens();
    }

    @Override
    public void onMaxStreams(int maxStreams) {
        requireSettings(FrameType.MAX_STREAMS);
        if (maxStreams > peerStreamCredit) {
            peerStreamCredit = maxStreams;
            processPendingOpens();
        }
    }

    @Override
    public void onHandshake(FrameType type, ByteBuf payload) {
        throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "%s after the handshake", type);
    }

    // ------------------------------------------------------------------ ping and go-away

    private void sendPing(CompletableFuture<Duration> f) {
        if (closed || hardClosing) {
            f.completeExceptionally(new IllegalStateException("session closed"));
            return;
        }
        if (pings.size() >= MAX_PINGS_IN_FLIGHT) {
            f.completeExceptionally(new IllegalStateException(MAX_PINGS_IN_FLIGHT + " pings already in flight"));
            return;
        }
        long opaque = ++pingCounter;
        pings.put(opaque, new PendingPing(now(), f));
        writer.ping(false, opaque);
        writer.controlFrameQueued();
        writer.requestWrite();
    }

    private void sendGoAway(ErrorCode code, String reason) {
        if (goAwaySent || hardClosing || closed) {
            return;
        }
        goAwaySent = true;
        writer.goAway(lastPeerStreamId, code, reason);
        MuxStream p;
        CloseReason refused = CloseReason.local(ErrorCode.REFUSED_GOING_AWAY, "the session is going away");
        while ((p = pendingOpens.poll()) != null) {
            terminate(p, refused);
        }
        if (goAwayTimer == null) {
            goAwayTimer = loop.schedule(this::goAwayExpired, config.goAwayTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        writer.requestWrite();
        closeIfDrained();
    }

    private void goAwayExpired() {
        if (!closed) {
            if (closeReason == null) {
                closeReason = CloseReason.local(ErrorCode.CONNECTION_LOST, "streams did not finish within the "
                        + config.goAwayTimeout().toMillis() + " ms go-away timeout");
            }
            writer.writePass();
            ctx.close();
        }
    }

    private void closeIfDrained() {
        if ((goAwaySent || goAwayReceived) && streams.isEmpty() && pendingOpens.isEmpty() && !hardClosing) {
            hardClosing = true;
            if (closeReason == null) {
                closeReason = CloseReason.NORMAL;
            }
            writer.flush();
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** A connection error: GO_AWAY with the code, then close; all streams fail with the code. */
    void connectionError(ErrorCode code, String message) {
        if (hardClosing || closed) {
            return;
        }
        log.debug("connection error on {}: {} {}", ctx.channel(), code, message);
        if (closeReason == null) {
            closeReason = CloseReason.local(code, message);
        }
        if (code.onWire()) {
            writer.goAway(lastPeerStreamId, code, message);
        }
        hardClosing = true;
        writer.flush();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    // ------------------------------------------------------------------ stream transitions

    /** The write pass sent our FIN on {@code s}. */
    void finSent(MuxStream s) {
        s.finSent = true;
        if (s.finReceived) {
            terminate(s, CloseReason.NORMAL);
        } else if (s.state() == StreamState.OPEN) {
            s.state(StreamState.HALF_CLOSED_LOCAL);
        }
    }

    private record PendingPing(long startNanos, CompletableFuture<Duration> future) {}
}
