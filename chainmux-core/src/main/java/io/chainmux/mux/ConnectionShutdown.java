package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.MuxException;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How a {@link MuxConnection}'s connection ends, short of the channel closing (that is
 * {@link MuxConnection#channelClosed}): GO_AWAY either way and its timeout, the graceful drain once the
 * last stream has ended, a connection error (GO_AWAY with the code, then close), a write timeout,
 * and the connection's close reason and the budget the peer broke.
 *
 * <p>Loop only, except the flags read by {@link MuxConnection}'s public methods (volatile).
 */
final class ConnectionShutdown {
    private static final Logger log = LoggerFactory.getLogger(MuxConnection.class);

    private final MuxConnection connection;
    private final MuxConfig config;
    private final ConnectionListener listener;

    private ChannelHandlerContext ctx;
    private EventExecutor loop;
    private ScheduledFuture<?> goAwayTimer;
    /** Bounds a close that waits for the peer: a graceful drain, or a GO_AWAY the peer may never read. */
    private ScheduledFuture<?> closeTimer;
    /** The budget the peer broke, if that is why the connection closes. */
    private volatile Budget brokenBudget;
    /** {@link MuxConnection#goAway} was called (from any thread); GO_AWAY may not be sent yet. */
    private volatile boolean goAwayRequested;
    private volatile boolean goAwaySent;
    private volatile boolean goAwayReceived;
    private boolean hardClosing;
    private CloseReason closeReason;

    ConnectionShutdown(MuxConnection connection, ConnectionListener listener) {
        this.connection = connection;
        this.config = connection.config;
        this.listener = listener;
    }

    void attach(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.loop = ctx.executor();
    }

    // ---- state ----

    /** Any thread: GO_AWAY is requested, sent or received. */
    boolean goingAway() {
        return goAwayRequested || goAwaySent || goAwayReceived;
    }

    void goAwayRequested() {
        goAwayRequested = true;
    }

    boolean goAwaySent() {
        return goAwaySent;
    }

    boolean goAwayReceived() {
        return goAwayReceived;
    }

    /** Closing: a connection error or a drained go-away started the close; nothing more is written. */
    boolean isHardClosing() {
        return hardClosing;
    }

    /** The channel is gone: nothing more may be written, and the timers stop. */
    void channelClosed() {
        hardClosing = true;
        cancel(goAwayTimer);
        cancel(closeTimer);
    }

    /** Why the connection closes, or null while nothing has said so. */
    CloseReason closeReason() {
        return closeReason;
    }

    Budget brokenBudget() {
        return brokenBudget;
    }

    // ---- go-away and the drain ----

    /** The peer's GO_AWAY: our streams it did not process are refused; the rest may finish. */
    void peerGoingAway(int lastStreamId, ErrorCode code, String reason) {
        boolean first = !goAwayReceived;
        goAwayReceived = true;
        connection.registry.peerGoingAway(lastStreamId, CloseReason.remote(ErrorCode.REFUSED_GOING_AWAY,
                "not processed: the peer is going away (" + reason + ")", null));
        if (code != ErrorCode.NO_ERROR && closeReason == null) {
            closeReason = CloseReason.remote(code, "peer closed the connection: " + reason, null);
        }
        if (first) {
            try {
                listener.onGoAway(connection, code, reason);
            } catch (RuntimeException e) {
                connection.contain(Containment.ON_GO_AWAY, null, e);
            }
            startGoAwayTimer();
        }
        closeIfDrained();
    }

    void sendGoAway(ErrorCode code, String reason) {
        if (goAwaySent || hardClosing || connection.isClosed()) {
            return;
        }
        goAwaySent = true;
        OutboundWriter writer = connection.writer;
        writer.goAway(connection.registry.lastPeerStreamId(), code, reason);
        connection.registry.refusePendingOpens(CloseReason.local(ErrorCode.REFUSED_GOING_AWAY, "the connection is going away"));
        startGoAwayTimer();
        writer.requestWrite();
        closeIfDrained();
    }

    private void startGoAwayTimer() {
        if (goAwayTimer == null) {
            goAwayTimer = loop.schedule(connection.contained(Containment.TIMER, this::goAwayExpired),
                    config.goAwayTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void goAwayExpired() {
        if (!connection.isClosed()) {
            if (closeReason == null) {
                closeReason = CloseReason.local(ErrorCode.CONNECTION_LOST, "streams did not finish within the "
                        + config.goAwayTimeout().toMillis() + " ms go-away timeout");
            }
            connection.writer.writePass();
            ctx.close();
        }
    }

    /**
     * After a go-away either way, closes once the last stream has ended, gracefully: what we wrote is
     * flushed, our output half-closed (FIN), and the peer's bytes read and discarded until it closes
     * too, or for at most {@link MuxConfig#drainTimeout()}. Closing at once could meet an OPEN that
     * crossed our GO_AWAY with unread input, and the kernel would answer with a TCP reset that can
     * destroy the GO_AWAY before the peer reads it: its stream would end CONNECTION_LOST instead of
     * REFUSED_GOING_AWAY ("not processed, may retry"). HTTP/2 servers drain the same way.
     */
    void closeIfDrained() {
        if ((goAwaySent || goAwayReceived) && connection.registry.isEmpty() && !hardClosing) {
            hardClosing = true;
            if (closeReason == null) {
                closeReason = CloseReason.NORMAL;
            }
            connection.writer.flush();
            Channel ch = ctx.channel();
            ChannelFuture flushed = ctx.writeAndFlush(Unpooled.EMPTY_BUFFER);
            if (!(ch instanceof DuplexChannel duplex)) {
                flushed.addListener(ChannelFutureListener.CLOSE);
                return;
            }
            flushed.addListener(f -> {
                if (!f.isSuccess() || !ch.isActive()) {
                    ch.close();
                } else {
                    // the peer reads our FIN after the GO_AWAY, closes, and our read of its FIN closes us
                    duplex.shutdownOutput().addListener(s -> {
                        if (!s.isSuccess()) {
                            ch.close();
                        }
                    });
                }
            });
            closeWithin(config.drainTimeout());
        }
    }

    /** Closes the channel after {@code bound} unless it closed before. */
    private void closeWithin(Duration bound) {
        if (closeTimer == null) {
            closeTimer = loop.schedule(connection.contained(Containment.TIMER, () -> ctx.close()), bound.toNanos(),
                    TimeUnit.NANOSECONDS);
        }
    }

    // ---- errors ----

    /**
     * The peer broke {@code budget}: counted here, at the event, and remembered so whoever watches the
     * close (the endpoint) can name it. Returns the connection error to throw or pass on.
     */
    MuxException budgetBroken(Budget budget, String message) {
        connection.stats().budgetHit(budget);
        if (brokenBudget == null) {
            brokenBudget = budget;
        }
        return MuxException.connection(ErrorCode.ENHANCE_YOUR_CALM, "%s budget: %s", budget.label, message);
    }

    /** The peer read nothing for the write timeout: close at once, as a GO_AWAY would never be read. */
    void writeTimedOut(String message) {
        if (hardClosing || connection.isClosed()) {
            return;
        }
        connection.stats().budgetHit(Budget.WRITE_PROGRESS);
        brokenBudget = Budget.WRITE_PROGRESS;
        closeReason = CloseReason.local(ErrorCode.WRITE_TIMEOUT, message);
        hardClosing = true;
        ctx.close(); // fails and releases every pending write
    }

    /** A connection error: GO_AWAY with the code, then close; all streams fail with the code. */
    void connectionError(ErrorCode code, String message) {
        if (hardClosing || connection.isClosed()) {
            return;
        }
        log.debug("connection error on {}: {} {}", ctx.channel(), code, message);
        if (closeReason == null) {
            closeReason = CloseReason.local(code, message);
        }
        if (code.onWire()) {
            connection.writer.goAway(connection.registry.lastPeerStreamId(), code, message);
        }
        hardClosing = true;
        connection.writer.flush();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        closeWithin(config.drainTimeout()); // a peer that does not read would hold the close forever
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }
}
