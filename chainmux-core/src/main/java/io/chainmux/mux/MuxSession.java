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
    /** A peer's RESET of a stream it opened less than this ago is premature (Envoy's rapid-reset rule). */
    static final long PREMATURE_RESET_NANOS = 1_000_000_000L;

    final MuxConfig config;
    private final boolean dialer;
    private final SessionListener listener;
    private final MuxStats stats = new MuxStats();
    final SendBudget sendBudget;
    /**
     * Streams counted by {@link #load()}: +1 when a local open is requested (on the caller's thread) or a
     * peer's stream is registered, -1 when the stream terminates. One counter, so a stream moving from
     * "requested" to "pending" to "open" on the loop is never briefly missing from another thread's view.
     */
    private final java.util.concurrent.atomic.AtomicInteger load = new java.util.concurrent.atomic.AtomicInteger();
    private final Queue<MuxStream> writabilityWatchers = new ConcurrentLinkedQueue<>();
    private final IntObjectHashMap<MuxStream> streams = new IntObjectHashMap<>();
    private final ArrayDeque<MuxStream> pendingOpens = new ArrayDeque<>();
    private final Map<String, Integer> streamsPerNetwork = new HashMap<>();
    private final Map<Long, PendingPing> pings = new HashMap<>();
    private final List<MuxStream> nowWritable = new ArrayList<>();
    private final Runnable writeTask = this::writePass;
    private final Runnable requestWriteTask = this::requestWrite;

    private ChannelHandlerContext ctx;
    private EventExecutor loop;
    private FrameOutput out;
    private DeficitRoundRobinScheduler<MuxStream> scheduler;
    private final WriteScheduler.Emitter<MuxStream> emitter = this::emit;
    private RateBudget receivedResets;
    private RateBudget sentResets;
    private RateBudget pingBudget;
    private ScheduledFuture<?> settingsTimer;
    private ScheduledFuture<?> goAwayTimer;

    private Settings peerSettings;
    private MuxStream lastStream;
    private long connectionSendWindow;
    private ReceiveWindow connectionReceiveWindow;
    /** Bytes by which stream windows have grown beyond their initial size, over all streams. */
    private long streamWindowGrowth;
    /** Bytes held in partial messages over all streams; bounded by {@link MuxConfig#maxReassemblyBytes()}. */
    private long reassemblyBytes;
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
    private boolean writeScheduled;
    /** The last write pass stopped because the connection window could not carry the next frame. */
    private boolean connectionBlocked;
    private boolean reading;
    /** {@link #goAway} was called (from any thread); GO_AWAY may not be sent yet. */
    private volatile boolean goAwayRequested;
    private volatile boolean goAwaySent;
    private volatile boolean goAwayReceived;
    private boolean hardClosing;
    private volatile boolean closed;
    private CloseReason closeReason;
    private int controlFramesWhileUnwritable;
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
        this.sendBudget = new SendBudget(config.sessionSendBuffer());
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

    /** Whether new streams may be opened here: no go-away either way and not closed (SETTINGS may still be due). */
    public boolean isOpenForStreams() {
        return !goAwayRequested && !goAwaySent && !goAwayReceived && !closed && !hardClosing;
    }

    /** Whether the peer's SETTINGS arrived and no go-away has happened. */
    public boolean isAcceptingStreams() {
        return peerSettings != null && !goAwaySent && !goAwayReceived && !closed;
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
        return sendBudget.queued();
    }

    /** A one-line-per-stream dump of flow-control state, for diagnostics; call on the event loop. */
    String debugState() {
        StringBuilder b = new StringBuilder("conn send=" + connectionSendWindow + " recv="
                + (connectionReceiveWindow == null ? -1 : connectionReceiveWindow.available())
                + " active=" + (scheduler != null && scheduler.hasActive()) + " writable="
                + (ctx != null && ctx.channel().isWritable()) + " writeScheduled=" + writeScheduled + " reading=" + reading
                + " budget=" + (ctx == null ? -1 : ctx.channel().bytesBeforeUnwritable()) + " pendingOut=" + out.pendingBytes() + "\n");
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
        this.out = new FrameOutput(ctx);
        this.receivedResets = new RateBudget(config.receivedResets());
        this.sentResets = new RateBudget(config.sentResets());
        this.pingBudget = new RateBudget(config.pings());
        this.connectionReceiveWindow = new ReceiveWindow(config.initialConnectionWindow(), now());
    }

    /** Sends our SETTINGS and starts waiting for the peer's. */
    void start() {
        if (started) {
            return;
        }
        started = true;
        out.settings(config.settings());
        settingsTimer = loop.schedule(() -> {
            if (peerSettings == null) {
                connectionError(ErrorCode.SETTINGS_TIMEOUT, "no SETTINGS from the peer within "
                        + config.settingsTimeout().toMillis() + " ms");
            }
        }, config.settingsTimeout().toNanos(), TimeUnit.NANOSECONDS);
        requestWrite();
    }

    /** Decodes every complete frame in {@code in}. */
    void read(ByteBuf in) {
        reading = true;
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
            reading = false;
        }
    }

    void readComplete() {
        if (writeScheduled) {
            writePass();
        }
    }

    void writabilityChanged(boolean writable) {
        if (writable) {
            controlFramesWhileUnwritable = 0;
            requestWrite();
        }
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
        out.discard();
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
        return out != null && out.holdsBuffer();
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

    private long now() {
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

    /** Remembers a stream whose send was refused, so it hears {@code onWritable} once there is room. */
    void watchWritability(MuxStream s) {
        if (s.startWatching()) {
            writabilityWatchers.add(s);
            if (!inEventLoop()) {
                loop.execute(requestWriteTask);
            }
        }
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
            s.sendWindow = peerSettings.initialStreamWindow();
            s.receiveWindow = new ReceiveWindow(config.initialStreamWindow(), now());
            s.state(StreamState.OPENING);
            out.open(id, s.localMaxMessageSize, s.networkId);
            controlFrameQueued();
            onStreamReady(s);
        }
        requestWrite();
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
        out.accept(s.id(), s.localMaxMessageSize);
        controlFrameQueued();
        s.state(s.finReceived ? StreamState.HALF_CLOSED_REMOTE : StreamState.OPEN);
        requestWrite();
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
            onStreamReady(s);
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
            out.reset(s.id(), code, d);
            stats.resetsSent++;
            controlFrameQueued();
            requestWrite();
            if (provoked(code) && !sentResets.tryAcquire(now(), sentResetLimit())) {
                stats.budgetExceeded++;
                terminate(s, CloseReason.local(code, message));
                connectionError(ErrorCode.ENHANCE_YOUR_CALM, "the peer provoked more than "
                        + sentResetLimit() + " resets in " + config.sentResets().window());
                return;
            }
        }
        if (refusal) {
            stats.streamsRefusedLocal++;
        }
        terminate(s, CloseReason.local(code, message));
    }

    /**
     * Whether a RESET we send counts against the peer's "provoked" budget (MadeYouReset): our own
     * decisions to end a stream (done, timed out, going away) do not, as in Netty's encoder budget.
     */
    static boolean provoked(ErrorCode code) {
        return code != ErrorCode.NO_ERROR && code != ErrorCode.CANCEL && code != ErrorCode.SESSION_TIMEOUT
                && code != ErrorCode.REFUSED_GOING_AWAY;
    }

    /**
     * Provoked resets allowed per window: the configured count plus one per stream the peer may hold
     * open, so refusing each of a full set of honest opens (a peer asking for 1000 networks we do not
     * serve, all at once) is ordinary, while a flood of provoked resets still ends the connection.
     */
    private int sentResetLimit() {
        return (int) Math.min(Integer.MAX_VALUE, (long) config.sentResets().count() + config.maxInboundStreams());
    }

    /**
     * Whether a RESET from the peer counts against the rapid-reset budget: one for a stream it opened
     * less than {@link #PREMATURE_RESET_NANOS} ago, or for a stream already gone. A refusal or cancel
     * of a stream we opened answers our own open, and an established stream ending is ordinary churn
     * (at 1000 networks per connection, hundreds per minute).
     */
    private boolean abnormalReset(MuxStream s) {
        return s == null || (!s.locallyInitiated && now() - s.openedNanos < PREMATURE_RESET_NANOS);
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
        if (s.id() != 0 && streams.remove(s.id()) != null) {
            addNetworkCount(s.networkId, -1);
            if (!s.locallyInitiated) {
                if (before == StreamState.PENDING_ACCEPT) {
                    pendingAccepts--;
                }
                peerStreamClosed();
            }
            if (s.receiveWindow != null) {
                streamWindowGrowth -= s.receiveWindow.size() - config.initialStreamWindow();
            }
        }
        returnConnectionCredit(s.credit.abandoned(backlogCharge(s)));
        if (s.assembling != null) {
            reassemblyBytes -= s.assembling.readableBytes();
        }
        s.releaseBuffers();
        notifyClosed(s, reason);
        if (!writabilityWatchers.isEmpty()) {
            requestWrite();
        }
        closeIfDrained();
    }

    /** Window charge of messages that waited for an accept that never came. */
    private static long backlogCharge(MuxStream s) {
        long charge = 0;
        if (s.backlog != null) {
            for (ByteBuf b : s.backlog) {
                charge += b.readableBytes() + 1L;
            }
        }
        return charge;
    }

    private void peerStreamClosed() {
        peerStreamsClosed++;
        int credit = peerStreamsClosed + config.maxInboundStreams();
        if (credit < 0) {
            return; // credit field saturated at 2^31-1; ids run out first
        }
        if (credit - grantedStreamCredit >= Math.max(1, config.maxInboundStreams() / 2)) {
            grantedStreamCredit = credit;
            out.maxStreams(credit);
            controlFrameQueued();
            requestWrite();
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

    // ------------------------------------------------------------------ flow control, receive side

    /** The application consumed {@code messages} messages worth {@code charge} (length + 1 each). */
    void onConsumed(MuxStream s, long charge, int messages) {
        if (closed || hardClosing) {
            return;
        }
        release(s, s.credit.consumed(charge, messages));
    }

    /** Returns credit to the peer for a stream (while it can still send) and for the connection. */
    private void release(MuxStream s, long credit) {
        if (credit <= 0) {
            return;
        }
        ReceiveWindow w = s.receiveWindow;
        if (!s.terminated && w != null && !s.finReceived && w.addPending(credit)) {
            long growthCap = config.autotuneWindows()
                    ? Math.min(config.maxStreamWindow() - (long) w.size(),
                    config.maxConnectionWindow() - (long) config.initialConnectionWindow() - streamWindowGrowth)
                    : 0;
            int before = w.size();
            int inc = w.takeUpdate(now(), rttNanos, growthCap);
            streamWindowGrowth += w.size() - before;
            sendWindowUpdate(s.id(), inc);
        }
        returnConnectionCredit(credit);
    }

    private void returnConnectionCredit(long charge) {
        if (charge <= 0 || hardClosing || !connectionReceiveWindow.addPending(charge)) {
            return;
        }
        long growthCap = config.autotuneWindows()
                ? config.maxConnectionWindow() - (long) connectionReceiveWindow.size() : 0;
        sendWindowUpdate(WireFormat.CONNECTION_STREAM_ID, connectionReceiveWindow.takeUpdate(now(), rttNanos, growthCap));
    }

    private void sendWindowUpdate(int streamId, int increment) {
        if (increment > 0) {
            out.windowUpdate(streamId, increment);
            controlFrameQueued();
            requestWrite();
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
        if (!connectionReceiveWindow.charge(charge)) {
            throw MuxException.connection(ErrorCode.FLOW_CONTROL_ERROR,
                    "DATA of %d bytes on stream %d exceeds the connection window of %d", charge, streamId,
                    connectionReceiveWindow.available());
        }
        stats.bytesIn += length;
        MuxStream s = stream(streamId, FrameType.DATA);
        if (s == null) {
            returnConnectionCredit(charge);
            return;
        }
        if (s.state() == StreamState.OPENING) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "DATA on stream %d before its ACCEPT", streamId);
        }
        if (!s.receiveWindow.charge(charge)) {
            throw MuxException.connection(ErrorCode.FLOW_CONTROL_ERROR,
                    "DATA of %d bytes exceeds the window of %d on stream %d", charge, s.receiveWindow.available(),
                    streamId);
        }
        if (s.finReceived) {
            returnConnectionCredit(charge);
            throw MuxException.stream(streamId, ErrorCode.STREAM_CLOSED, "DATA after FIN");
        }
        boolean end = (flags & WireFormat.FLAG_END_MESSAGE) != 0;
        if (length > 0 || end) {
            long total = (s.assembling == null ? 0 : s.assembling.readableBytes()) + (long) length;
            if (total > s.localMaxMessageSize) {
                returnConnectionCredit(charge);
                throw MuxException.stream(streamId, ErrorCode.MESSAGE_TOO_LARGE,
                        "message of at least %d bytes exceeds the limit of %d", total, s.localMaxMessageSize);
            }
            if (s.assembling == null && end) {
                deliver(s, payload.readRetainedSlice(length));
            } else {
                if (reassemblyBytes + length > config.maxReassemblyBytes()) {
                    returnConnectionCredit(charge);
                    stats.budgetExceeded++;
                    throw MuxException.stream(streamId, ErrorCode.ENHANCE_YOUR_CALM,
                            "partial messages on this connection would exceed the reassembly budget of %d bytes",
                            config.maxReassemblyBytes());
                }
                reassemblyBytes += length;
                if (s.assembling == null) {
                    s.assembling = ctx.alloc().buffer(Math.min(Math.max(length * 2, 256), s.localMaxMessageSize),
                            s.localMaxMessageSize);
                }
                s.assembling.writeBytes(payload, length);
                if (end) {
                    ByteBuf m = s.assembling;
                    s.assembling = null;
                    reassemblyBytes -= m.readableBytes();
                    deliver(s, m);
                } else {
                    release(s, s.credit.fragment(charge));
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
        s.sendWindow = peerSettings.initialStreamWindow();
        s.receiveWindow = new ReceiveWindow(config.initialStreamWindow(), now());
        s.openedNanos = now();
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
        MuxStream s = stream(streamId, FrameType.RESET);
        if (abnormalReset(s) && !receivedResets.tryAcquire(now())) {
            stats.budgetExceeded++;
            throw MuxException.connection(ErrorCode.ENHANCE_YOUR_CALM, "more than %d premature RESETs in %s",
                    config.receivedResets().count(), config.receivedResets().window());
        }
        if (s != null) {
            String message = code.isRefusal() ? "refused by peer" : "reset by peer";
            terminate(s, CloseReason.remote(code, message, ByteBufUtil.getBytes(detail)));
        }
    }

    @Override
    public void onWindowUpdate(int streamId, int increment) {
        requireSettings(FrameType.WINDOW_UPDATE);
        if (streamId == WireFormat.CONNECTION_STREAM_ID) {
            connectionSendWindow += increment;
            if (connectionSendWindow > WireFormat.MAX_WINDOW) {
                throw MuxException.connection(ErrorCode.FLOW_CONTROL_ERROR, "connection window above 2^31-1");
            }
            if (scheduler.hasActive()) {
                requestWrite();
            }
            return;
        }
        MuxStream s = stream(streamId, FrameType.WINDOW_UPDATE);
        if (s == null) {
            return;
        }
        s.sendWindow += increment;
        if (s.sendWindow > WireFormat.MAX_WINDOW) {
            throw MuxException.connection(ErrorCode.FLOW_CONTROL_ERROR, "window of stream %d above 2^31-1", streamId);
        }
        onStreamReady(s);
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
        out.ping(true, opaque);
        controlFrameQueued();
        requestWrite();
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
        connectionSendWindow = settings.initialConnectionWindow();
        peerStreamCredit = settings.maxStreams();
        scheduler = new DeficitRoundRobinScheduler<>(settings.maxFrameSize());
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
        out.ping(false, opaque);
        controlFrameQueued();
        requestWrite();
    }

    private void sendGoAway(ErrorCode code, String reason) {
        if (goAwaySent || hardClosing || closed) {
            return;
        }
        goAwaySent = true;
        out.goAway(lastPeerStreamId, code, reason);
        MuxStream p;
        CloseReason refused = CloseReason.local(ErrorCode.REFUSED_GOING_AWAY, "the session is going away");
        while ((p = pendingOpens.poll()) != null) {
            terminate(p, refused);
        }
        if (goAwayTimer == null) {
            goAwayTimer = loop.schedule(this::goAwayExpired, config.goAwayTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        requestWrite();
        closeIfDrained();
    }

    private void goAwayExpired() {
        if (!closed) {
            if (closeReason == null) {
                closeReason = CloseReason.local(ErrorCode.CONNECTION_LOST, "streams did not finish within the "
                        + config.goAwayTimeout().toMillis() + " ms go-away timeout");
            }
            writePass();
            ctx.close();
        }
    }

    private void closeIfDrained() {
        if ((goAwaySent || goAwayReceived) && streams.isEmpty() && pendingOpens.isEmpty() && !hardClosing) {
            hardClosing = true;
            if (closeReason == null) {
                closeReason = CloseReason.NORMAL;
            }
            out.flush();
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
            out.goAway(lastPeerStreamId, code, message);
        }
        hardClosing = true;
        out.flush();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    // ------------------------------------------------------------------ writing

    /** Counts a control frame; a peer that stops reading cannot make us queue them without bound. */
    private void controlFrameQueued() {
        if (!ctx.channel().isWritable() && ++controlFramesWhileUnwritable > config.maxQueuedControlFrames()) {
            stats.budgetExceeded++;
            connectionError(ErrorCode.ENHANCE_YOUR_CALM, "more than " + config.maxQueuedControlFrames()
                    + " control frames queued while the peer does not read");
        }
    }

    /** A stream has something to write (data, FIN, or new window): put it in the schedule. */
    void onStreamReady(MuxStream s) {
        if (s.terminated) {
            s.releaseBuffers(); // a message queued by another thread as the stream ended
            return;
        }
        if (scheduler == null || s.id() == 0 || s.state() == StreamState.NEW
                || s.state() == StreamState.PENDING_ACCEPT) {
            return;
        }
        if (s.node.active) {
            requestWrite();
        } else if (!s.outboundEmpty() || (s.finRequested && !s.finSent)) {
            scheduler.activate(s.node);
            requestWrite();
        }
    }

    private void requestWrite() {
        if (!writeScheduled && !closed) {
            writeScheduled = true;
            if (!reading) {
                loop.execute(writeTask);
            }
        }
    }

    /** One pass: data frames in scheduling order within the channel's write budget, then one flush. */
    private void writePass() {
        writeScheduled = false;
        if (closed) {
            return;
        }
        Channel ch = ctx.channel();
        connectionBlocked = false;
        if (!hardClosing && scheduler != null && scheduler.hasActive()) {
            long budget = ch.bytesBeforeUnwritable() - out.pendingBytes();
            if (budget > 0) {
                scheduler.distribute(budget, emitter);
            }
        }
        out.flush();
        notifyWritable();
        // Go on only if the pass stopped at its byte budget. One blocked on the connection window
        // waits for the peer's WINDOW_UPDATE (which requests a pass): the window may be above zero
        // yet too small for the next frame, and passes in a loop would spin the event loop.
        if (!hardClosing && scheduler != null && scheduler.hasActive() && !connectionBlocked
                && connectionSendWindow > 0 && ch.isWritable()) {
            requestWrite();
        }
    }

    private int emit(MuxStream s, int maxBytes) {
        if (hardClosing) {
            return WriteScheduler.BLOCKED;
        }
        if (s.terminated || s.finSent) {
            return WriteScheduler.IDLE;
        }
        OutboundQueue q = s.outbound;
        if (!q.inProgress()) {
            int limit = s.peerMaxMessageSize > 0 ? s.peerMaxMessageSize : peerSettings.maxMessageSize();
            long window = Math.min(s.sendWindow, connectionSendWindow);
            int run = q.writeRun(out, window, maxBytes, limit);
            if (run >= 0) {
                int charge = run + q.runMessages();
                s.sendWindow -= charge;
                connectionSendWindow -= charge;
                stats.bytesOut += run;
                stats.messagesOut += q.runMessages();
                return run;
            }
            int next = q.next();
            if (next < 0) {
                if (s.finRequested) {
                    out.data(s.id(), WireFormat.FLAG_FIN, Unpooled.EMPTY_BUFFER, 0);
                    finSent(s);
                    return 0;
                }
                return WriteScheduler.IDLE;
            }
            if (next > limit) {
                q.dropCurrent();
                resetStream(s, ErrorCode.MESSAGE_TOO_LARGE, null,
                        "queued message of " + next + " bytes exceeds the peer's limit of " + limit);
                return WriteScheduler.IDLE;
            }
        }
        int remaining = q.remaining();
        int length = Math.min(remaining, peerSettings.maxFrameSize());
        boolean last = length == remaining;
        long window = Math.min(s.sendWindow, connectionSendWindow);
        if (length + (last ? 1 : 0) > window) {
            // Send what the window allows, but end a message only with the credit for its end.
            length = (int) Math.min(length, window);
            if (length == remaining) {
                length--;
            }
            last = false;
            if (length <= 0) {
                if (connectionSendWindow <= s.sendWindow) {
                    stats.connectionWindowStalls++;
                    connectionBlocked = true;
                    return WriteScheduler.BLOCKED;
                }
                stats.sendWindowStalls++;
                return WriteScheduler.IDLE;
            }
        }
        boolean fin = last && s.finRequested && q.isEmptyAfterCurrent();
        int flags = (last ? WireFormat.FLAG_END_MESSAGE : 0) | (fin ? WireFormat.FLAG_FIN : 0);
        q.writeFrame(out, s.id(), flags, length);
        int charge = length + (last ? 1 : 0);
        s.sendWindow -= charge;
        connectionSendWindow -= charge;
        stats.bytesOut += length;
        if (last) {
            stats.messagesOut++;
        }
        if (fin) {
            finSent(s);
        }
        return length;
    }

    private void finSent(MuxStream s) {
        s.finSent = true;
        if (s.finReceived) {
            terminate(s, CloseReason.NORMAL);
        } else if (s.state() == StreamState.OPEN) {
            s.state(StreamState.HALF_CLOSED_LOCAL);
        }
    }

    /** Tells streams that were refused a send that they have room again. */
    private void notifyWritable() {
        if (writabilityWatchers.isEmpty() || sendBudget.isFull()) {
            return; // a full session has room for no stream
        }
        for (Iterator<MuxStream> it = writabilityWatchers.iterator(); it.hasNext(); ) {
            MuxStream s = it.next();
            if (s.terminated) {
                it.remove();
                s.stopWatching();
            } else if (s.hasRoom()) {
                it.remove();
                s.stopWatching();
                if (s.refused && s.listener != null) {
                    s.refused = false;
                    nowWritable.add(s);
                }
            }
        }
        for (MuxStream s : nowWritable) {
            try {
                s.listener.onWritable(s);
            } catch (RuntimeException e) {
                log.warn("stream listener failed on writable of {}", s.describe(), e);
            }
        }
        nowWritable.clear();
    }

    private record PendingPing(long startNanos, CompletableFuture<Duration> future) {}
}
