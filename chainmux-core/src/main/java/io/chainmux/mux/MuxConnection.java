package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameReader;
import io.chainmux.wire.MuxException;
import io.chainmux.wire.Settings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One multiplexed connection (docs/PROTOCOL.md sections 4-8): the public face of the connection and
 * its lifecycle; the work is done by the parts it wires together.
 *
 * <ul>
 *   <li>{@link InboundFrameHandler}: every frame read, checked against the connection's state and
 *       dispatched;</li>
 *   <li>{@link OutboundWriter}: every frame written, the write pass and all framing;</li>
 *   <li>{@link ReceiveFlowControl} and {@link SendFlowControl}: credit in each direction;</li>
 *   <li>{@link StreamRegistry}: stream ids, stream credit, opens and accepts, and the one way a
 *       stream ends; a stream's own state machine lives in {@link MuxStream}.</li>
 *   <li>{@link ConnectionShutdown}: GO_AWAY either way, the drain, connection errors, the close reason;</li>
 *   <li>{@link PingTracker}: PINGs in flight and the smoothed round-trip time.</li>
 * </ul>
 *
 * <p>{@code MuxConnection} itself keeps what belongs to the connection as a whole: the handshake (SETTINGS),
 * the read loop, containment, and the end of every stream when the channel closes.
 *
 * <p>Threading: created and driven by {@link MuxHandler}; its state and its parts are confined to
 * the channel's event loop. The public methods are safe from any thread: calls from other threads
 * hop onto the loop ({@link #runOnLoop}).
 */
public final class MuxConnection {
    private static final Logger log = LoggerFactory.getLogger(MuxConnection.class);
    /** Why a call that needs the event loop fails once the loop has shut down. */
    static final CloseReason LOOP_GONE = CloseReason.local(ErrorCode.CONNECTION_LOST,
            "the connection's event loop has shut down");

    final MuxConfig config;
    private final boolean dialer;
    private final ConnectionListener listener;
    private final MuxStats stats = new MuxStats();
    final SendFlowControl sendFlow;
    final OutboundWriter writer;
    final ReceiveFlowControl receiveFlow;
    final StreamRegistry registry;
    private final InboundFrameHandler inbound;
    /** Lends whole messages to {@link LentMessageListener}s (see {@link StreamInbox#lend}); the encoders' is the writer's. */
    final LentBuffer lentMessage = new LentBuffer(true);
    private final ProgressWatchdog watchdog;
    private final MuxTotals totals;
    final ConnectionShutdown shutdown;
    final PingTracker pings;
    private final CompletableFuture<CloseReason> closeFuture = new CompletableFuture<>();

    private ChannelHandlerContext ctx;
    private EventExecutor loop;
    private ScheduledFuture<?> settingsTimer;
    private Settings peerSettings;

    private boolean started;
    private volatile boolean closed;

    /**
     * @param dialer whether this side dialed the TCP connection (it opens odd stream ids)
     */
    public MuxConnection(MuxConfig config, boolean dialer, ConnectionListener listener) {
        this(config, dialer, listener, new MuxTotals());
    }

    /**
     * @param totals where this connection's counters are summed with every other connection's that shares
     *               it (an endpoint's), from the connection's start and after its close
     */
    public MuxConnection(MuxConfig config, boolean dialer, ConnectionListener listener, MuxTotals totals) {
        this.config = config;
        this.totals = totals;
        this.dialer = dialer;
        this.listener = listener;
        this.sendFlow = new SendFlowControl(this);
        this.writer = new OutboundWriter(this, sendFlow);
        this.receiveFlow = new ReceiveFlowControl(this);
        this.registry = new StreamRegistry(this, dialer);
        this.inbound = new InboundFrameHandler(this);
        this.watchdog = new ProgressWatchdog(this);
        this.shutdown = new ConnectionShutdown(this, listener);
        this.pings = new PingTracker(this);
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
        MuxStream s = new MuxStream(this, true, networkId, weight);
        s.listener(listener);
        registry.countLoad(s);
        s.localMaxMessageSize = Math.min(maxInboundMessageSize, config.maxMessageSize());
        if (!runOnLoop(() -> registry.registerOpen(s))) {
            registry.uncountLoad(s);
            throw new ClosedException("cannot open a stream", LOOP_GONE);
        }
        return s;
    }

    /**
     * Measures the round trip with a PING; completes exceptionally, with a {@link ClosedException},
     * if the connection is closed or closes first.
     */
    public CompletableFuture<Duration> ping() {
        CompletableFuture<Duration> f = new CompletableFuture<>();
        if (!runOnLoop(() -> sendPing(f))) {
            f.completeExceptionally(new ClosedException("cannot ping", LOOP_GONE));
        }
        return f;
    }

    /**
     * Graceful shutdown: tells the peer no new streams will be accepted, lets existing streams finish,
     * then closes. Streams still open after {@link MuxConfig#goAwayTimeout()} fail.
     */
    public void goAway(String reason) {
        shutdown.goAwayRequested(); // seen by isOpenForStreams() at once, before the loop sends GO_AWAY
        runOnLoop(() -> shutdown.sendGoAway(ErrorCode.NO_ERROR, reason));
    }

    /** Closes at once with an error code: GO_AWAY(code), then the connection closes; streams fail. */
    public void abort(ErrorCode code, String reason) {
        runOnLoop(() -> connectionError(code, reason));
    }

    /** Completes with the connection's close reason once it is closed. */
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
        return !shutdown.goingAway() && !closed && !shutdown.isHardClosing();
    }

    /** Whether the peer's SETTINGS arrived and no go-away has happened. */
    public boolean isAcceptingStreams() {
        return peerSettings != null && !shutdown.goAwaySent() && !shutdown.goAwayReceived() && !closed;
    }

    /** Smoothed round-trip time from PINGs, or null before the first measurement. */
    public Duration rtt() {
        long r = pings.rttNanos();
        return r == 0 ? null : Duration.ofNanos(r);
    }

    public MuxStats stats() {
        return stats;
    }

    /** The budget the peer broke, if that closed (or is closing) the connection; else null. */
    public Budget brokenBudget() {
        return shutdown.brokenBudget();
    }

    public Channel channel() {
        return ctx == null ? null : ctx.channel();
    }

    /**
     * The Netty handler that drives this connection: add it to the pipeline of the connection's channel (once,
     * last, after any TLS or handshake handler). It reads frames into the connection and writes its frames out.
     */
    public ChannelHandler handler() {
        return new MuxHandler(this);
    }

    /** Open streams (racy snapshot when read off the event loop). */
    public int streamCount() {
        return registry.size();
    }

    /**
     * Streams open or being opened here, counting opens another thread has requested that the event
     * loop has not registered yet: what a stripe policy should compare.
     */
    public int load() {
        return registry.load();
    }

    /** Outbound bytes queued over all streams. */
    public long queuedBytes() {
        return sendFlow.budget().queued();
    }

    /** A one-line-per-stream dump of flow-control state, for diagnostics; call on the event loop. */
    String debugState() {
        ReceiveWindow recv = receiveFlow.connectionWindow();
        StringBuilder b = new StringBuilder("conn send=" + sendFlow.connectionWindow() + " recv="
                + (recv == null ? -1 : recv.available()) + " active=" + writer.hasActive() + " writable="
                + (ctx != null && ctx.channel().isWritable()) + " writeScheduled=" + writer.writeScheduled()
                + " reading=" + writer.reading()
                + " budget=" + (ctx == null ? -1 : ctx.channel().bytesBeforeUnwritable()) + " pendingOut="
                + writer.pendingBytes() + "\n");
        for (MuxStream st : registry.streams()) {
            b.append("  ").append(st).append(" send=").append(st.sendWindow).append(" recv=")
                    .append(st.receiveWindow().available()).append("/").append(st.receiveWindow().size())
                    .append(" unconsumed=").append(st.inbox.unconsumed()).append(" queued=").append(st.queuedBytes())
                    .append(" nodeActive=").append(st.outbound.active).append('\n');
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ state the parts share (loop only)

    /** The peer's SETTINGS, or null before they arrived. */
    Settings peerSettings() {
        return peerSettings;
    }

    boolean goAwaySent() {
        return shutdown.goAwaySent();
    }

    boolean goAwayReceived() {
        return shutdown.goAwayReceived();
    }

    /** Closing: a connection error or a drained go-away started the close; nothing more is written. */
    boolean isHardClosing() {
        return shutdown.isHardClosing();
    }

    /** Smoothed round-trip time in nanoseconds, 0 before the first measurement; any thread. */
    long rttNanos() {
        return pings.rttNanos();
    }

    int peerMaxMessageSize() {
        Settings p = peerSettings;
        return p == null ? config.maxMessageSize() : p.maxMessageSize();
    }

    // ------------------------------------------------------------------ lifecycle (MuxHandler)

    void attach(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.loop = ctx.executor();
        writer.attach(ctx);
        shutdown.attach(ctx);
        receiveFlow.attach(now());
        totals.started(this);
    }

    /** Sends our SETTINGS and starts waiting for the peer's. */
    void start() {
        if (started) {
            return;
        }
        started = true;
        writer.settings(config.settings());
        settingsTimer = loop.schedule(contained(Containment.TIMER, this::settingsExpired),
                config.settingsTimeout().toNanos(), TimeUnit.NANOSECONDS);
        watchdog.start(loop);
        writer.requestWrite();
    }

    private void settingsExpired() {
        if (peerSettings == null) {
            connectionError(ErrorCode.SETTINGS_TIMEOUT, "no SETTINGS from the peer within "
                    + config.settingsTimeout().toMillis() + " ms");
        }
    }

    /** Decodes every complete frame in {@code in}; a violation resets its stream or ends the connection. */
    void read(ByteBuf in) {
        assert inEventLoop();
        writer.readStarted();
        try {
            while (!shutdown.isHardClosing()) {
                try {
                    if (!FrameReader.readFrame(in, config.maxFrameSize(), inbound)) {
                        break;
                    }
                } catch (MuxException e) {
                    if (e.isConnectionError()) {
                        connectionError(e.code(), e.getMessage());
                    } else {
                        MuxStream s = registry.get(e.streamId());
                        if (s != null) {
                            registry.reset(s, e.code(), null, e.getMessage());
                        }
                    }
                } catch (RuntimeException e) {
                    contain(Containment.FRAME, null, e);
                }
            }
            if (shutdown.isHardClosing()) {
                in.skipBytes(in.readableBytes());
            }
        } finally {
            writer.readEnded();
        }
    }

    /** The read is complete: the write pass it requested runs now. */
    void readComplete() {
        try {
            writer.readComplete();
        } catch (RuntimeException e) {
            contain(Containment.WRITE_PASS, null, e);
        }
    }

    void writabilityChanged(boolean writable) {
        try {
            writer.writabilityChanged(writable);
        } catch (RuntimeException e) {
            contain(Containment.WRITE_PASS, null, e);
        }
    }

    /** The channel is gone: every stream and the connection end now. */
    void channelClosed() {
        if (closed) {
            return;
        }
        shutdown.channelClosed();
        CloseReason reason = shutdown.closeReason() != null ? shutdown.closeReason()
                : CloseReason.local(ErrorCode.CONNECTION_LOST, "connection closed");
        CloseReason streamReason = reason.isNormal()
                ? CloseReason.local(ErrorCode.CONNECTION_LOST, "connection closed while the stream was open")
                : reason;
        registry.terminateAll(streamReason);
        pings.failAll(reason);
        cancel(settingsTimer);
        watchdog.stop();
        writer.discard();
        closed = true;
        totals.ended(this);
        try {
            listener.onClosed(this, reason);
        } catch (RuntimeException e) {
            contain(Containment.ON_CONNECTION_CLOSED, null, e);
        }
        closeFuture.complete(reason);
    }

    // ------------------------------------------------------------------ threading helpers

    /** Whether the connection holds an output buffer now; between event-loop passes it never does. */
    boolean holdsOutputBuffer() {
        return writer.holdsBuffer();
    }

    ByteBufAllocator alloc() {
        return ctx == null ? ByteBufAllocator.DEFAULT : ctx.alloc();
    }

    boolean inEventLoop() {
        return loop == null || loop.inEventLoop();
    }

    /**
     * Hands a task to the loop; false when the loop has shut down. Then the connection is gone and
     * its streams ended with it (a loop closes its channels before it stops), so there is nothing
     * left for the task to do: a call from another thread must not fail for that.
     */
    boolean execute(Runnable task) {
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Runs {@code task} on the loop, contained; false (not run) when the loop has shut down. */
    boolean runOnLoop(Runnable task) {
        if (loop == null) {
            throw new IllegalStateException("connection is not attached to a channel yet");
        }
        if (loop.inEventLoop() && !writer.encoding()) {
            runContained(Containment.TASK, task);
            return true;
        }
        // From another thread, or from inside a MessageEncoder (which holds the batch): after it.
        return execute(() -> runContained(Containment.TASK, task));
    }

    // ------------------------------------------------------------------ containment

    /**
     * The one containment path. Every event-loop entry (a frame read, the write pass, timers, tasks
     * from other threads, a stream's wake-up) and every listener call catches an unexpected failure
     * and hands it here; {@link Containment} says what it costs: the connection, the stream, or a
     * log line. Nothing escapes to Netty, so nothing is silently frozen.
     *
     * @param stream the stream concerned, or null
     */
    void contain(Containment where, MuxStream stream, RuntimeException e) {
        assert inEventLoop();
        switch (where.scope) {
            case CONNECTION -> {
                log.error("unexpected failure in {}; closing the connection", where.what, e);
                connectionError(ErrorCode.INTERNAL_ERROR, "internal error: " + e);
            }
            case STREAM -> {
                log.warn("{} failed; resetting stream {}", where.what, stream.describe(), e);
                registry.reset(stream, ErrorCode.INTERNAL_ERROR, null, where.what + " failed: " + e);
            }
            case LOG -> log.warn("{} failed{}", where.what, stream == null ? "" : " on stream " + stream.describe(), e);
        }
    }

    /** Runs an event-loop entry, handing a failure to {@link #contain}. */
    void runContained(Containment where, Runnable entry) {
        try {
            entry.run();
        } catch (RuntimeException e) {
            contain(where, null, e);
        }
    }

    /** {@code entry} as a task that runs contained; made once per connection or stream, never per message. */
    Runnable contained(Containment where, Runnable entry) {
        return () -> runContained(where, entry);
    }

    long now() {
        return loop.ticker().nanoTime();
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    // ------------------------------------------------------------------ SETTINGS, PING and the connection listener

    /** The peer's SETTINGS: the connection is ready, and streams may open. */
    void peerReady(Settings settings) {
        peerSettings = settings;
        sendFlow.peerSettings(settings);
        registry.peerSettings(settings.maxStreams());
        writer.peerSettings(settings);
        cancel(settingsTimer);
        sendPing(new CompletableFuture<>()); // first RTT sample, for window autotuning
        try {
            listener.onReady(this);
        } catch (RuntimeException e) {
            contain(Containment.ON_READY, null, e);
        }
        registry.processPendingOpens();
    }

    /** Offers a stream the peer opened to the connection listener; refuses it if the listener fails. */
    void notifyStreamOpened(MuxStream s) {
        try {
            listener.onStreamOpened(s);
        } catch (RuntimeException e) {
            contain(Containment.ON_STREAM_OPENED, s, e);
        }
    }

    private void sendPing(CompletableFuture<Duration> f) {
        if (closed || shutdown.isHardClosing()) {
            CloseReason r = shutdown.closeReason();
            f.completeExceptionally(new ClosedException("connection closed", r != null ? r
                    : CloseReason.local(ErrorCode.CONNECTION_LOST, "connection closed")));
            return;
        }
        pings.send(f);
    }

    /** The peer answered one of our PINGs: a round-trip sample. */
    void pingAcked(long opaque) {
        pings.acked(opaque);
    }

    // ------------------------------------------------------------------ errors (the rest of closing: ConnectionShutdown)

    void connectionError(MuxException e) {
        connectionError(e.code(), e.getMessage());
    }

    /** A connection error: GO_AWAY with the code, then close; all streams fail with the code. */
    void connectionError(ErrorCode code, String message) {
        assert inEventLoop();
        shutdown.connectionError(code, message);
    }
}
