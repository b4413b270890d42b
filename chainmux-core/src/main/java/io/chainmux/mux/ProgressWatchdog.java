package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Deadlines on the peer's progress, checked by one periodic timer per connection (a quarter of the
 * shorter deadline), never per message:
 *
 * <ul>
 *   <li><b>write progress</b>: output pending in the channel and not one byte of it written for
 *       {@link MuxConfig#writeTimeout()} means the peer does not read (its TCP window stays shut);
 *       the connection is closed with WRITE_TIMEOUT. Progress is the channel's own (the current
 *       outbound entry and how much of it was written), as Netty's {@code IdleStateHandler} observes
 *       output, so TLS records count as well as frames; and, on epoll, TCP's own: the time since the
 *       kernel last sent a data segment. The kernel wakes a writer only once a third of its send
 *       buffer (megabytes) is free, so over a slow link the channel alone can look stuck for long
 *       while TCP moves bytes all the time; a peer that does not read shuts its window and no data
 *       segment leaves (zero-window probes carry none).</li>
 *   <li><b>PING answers</b>: output small enough to sit in the kernel's buffers never looks stuck to
 *       the rule above, so a peer that keeps sending but reads nothing would hold the connection as
 *       long as we queue less than a few MiB. A PING of ours left unanswered for the write timeout
 *       (the endpoint PINGs every keepalive interval; the opaque value is random, so only a peer
 *       that read it can answer) closes the connection with WRITE_TIMEOUT, unless output is still
 *       pending in the channel (the rule above judges that) or, on epoll, TCP is still moving our
 *       bytes (unacknowledged data and a data segment sent within the timeout: a slow link whose
 *       backlog precedes the PING).</li>
 *   <li><b>message progress</b>: a message in progress must end within
 *       {@link MuxConfig#messageTimeout()} plus one second per {@link MuxConfig#minMessageRate()}
 *       bytes received of it; otherwise its stream alone is reset with MESSAGE_TIMEOUT and its
 *       partial bytes freed. Scanned only while some partial message is held.</li>
 * </ul>
 *
 * <p>Threading: event-loop confined.
 */
final class ProgressWatchdog {
    private static final long MIN_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final MuxConnection connection;
    private final long writeTimeoutNanos;
    private final long messageTimeoutNanos;
    private final int minMessageRate;
    private ScheduledFuture<?> timer;

    /** The outbound entry being written at the last check (compared by identity only, never used). */
    private Object lastEntry;
    private long lastEntryProgress;
    /** When output was last seen pending without progress; -1 when nothing is pending. */
    private long stalledSince = -1;
    private EpollTcpInfo tcpInfo;

    ProgressWatchdog(MuxConnection connection) {
        this.connection = connection;
        MuxConfig c = connection.config;
        this.writeTimeoutNanos = c.writeTimeout().toNanos();
        this.messageTimeoutNanos = c.messageTimeout().toNanos();
        this.minMessageRate = c.minMessageRate();
    }

    void start(EventExecutor loop) {
        long period = Math.max(MIN_PERIOD_NANOS, Math.min(writeTimeoutNanos, messageTimeoutNanos) / 4);
        timer = loop.scheduleAtFixedRate(connection.contained(Containment.TIMER, this::check), period, period,
                TimeUnit.NANOSECONDS);
    }

    void stop() {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void check() {
        if (connection.isHardClosing() || connection.isClosed()) {
            return;
        }
        long now = connection.now();
        checkWrites(now);
        if (!connection.isHardClosing() && connection.receiveFlow.reassemblyBytes() > 0) {
            checkMessages(now);
        }
    }

    private void checkWrites(long now) {
        Channel ch = connection.channel();
        ChannelOutboundBuffer out = ch == null ? null : ch.unsafe().outboundBuffer();
        Object entry = out == null ? null : out.current();
        if (entry == null) {
            stalledSince = -1;
            lastEntry = null;
            checkPingAnswers(now, ch);
            return;
        }
        long progress = out.currentProgress();
        if (stalledSince < 0 || entry != lastEntry || progress != lastEntryProgress) {
            lastEntry = entry;
            lastEntryProgress = progress;
            stalledSince = now;
            return;
        }
        if (now - stalledSince >= writeTimeoutNanos && nanosSinceDataSent(ch) >= writeTimeoutNanos) {
            lastEntry = null;
            connection.shutdown.writeTimedOut("the peer read none of our output for "
                    + TimeUnit.NANOSECONDS.toMillis(now - stalledSince) + " ms (" + out.totalPendingWriteBytes()
                    + " bytes pending; write timeout " + connection.config.writeTimeout().toMillis() + " ms)");
        }
    }

    /** Nothing pending in the channel: a PING unanswered for the write timeout means the peer reads nothing. */
    private void checkPingAnswers(long now, Channel ch) {
        long sent = connection.pings.oldestUnansweredNanos();
        if (sent < 0 || now - sent < writeTimeoutNanos || tcpStillMoving(ch)) {
            return;
        }
        connection.shutdown.writeTimedOut("the peer answered no PING for " + TimeUnit.NANOSECONDS.toMillis(now - sent)
                + " ms: it reads none of our output (write timeout " + connection.config.writeTimeout().toMillis()
                + " ms)");
    }

    /** Whether TCP has our bytes in flight and sent a data segment within the write timeout (epoll only). */
    private boolean tcpStillMoving(Channel ch) {
        if (nanosSinceDataSent(ch) >= writeTimeoutNanos) {
            return false;
        }
        return tcpInfo != null && tcpInfo.unacked() > 0;
    }

    /** Time since TCP last sent a data segment on {@code ch}, where the transport tells; else unbounded. */
    private long nanosSinceDataSent(Channel ch) {
        if (ch instanceof EpollSocketChannel epoll && epoll.isActive()) {
            try {
                tcpInfo = epoll.tcpInfo(tcpInfo == null ? new EpollTcpInfo() : tcpInfo);
                return TimeUnit.MILLISECONDS.toNanos(tcpInfo.lastDataSent());
            } catch (RuntimeException e) {
                return Long.MAX_VALUE; // no TCP_INFO: the channel's progress alone decides
            }
        }
        return Long.MAX_VALUE;
    }

    private void checkMessages(long now) {
        List<MuxStream> late = null;
        for (MuxStream s : connection.registry.streams()) {
            if (s.inbox.isAssembling() && now - deadline(s, now) > 0) {
                if (late == null) {
                    late = new ArrayList<>();
                }
                late.add(s);
            }
        }
        if (late == null) {
            return;
        }
        for (MuxStream s : late) {
            if (s.terminated || !s.inbox.isAssembling()) {
                continue;
            }
            connection.stats().budgetHit(Budget.MESSAGE_PROGRESS);
            connection.registry.reset(s, ErrorCode.MESSAGE_TIMEOUT, null, "message_progress: a message in progress got "
                    + s.inbox.assemblingBytes() + " bytes in "
                    + TimeUnit.NANOSECONDS.toMillis(now - s.inbox.assemblyStartNanos(now)) + " ms (deadline "
                    + connection.config.messageTimeout().toMillis() + " ms plus 1 s per " + minMessageRate + " bytes)");
        }
    }

    /** When the message in progress on {@code s} must have ended, in loop-ticker nanos. */
    private long deadline(MuxStream s, long now) {
        long earned = s.inbox.assemblingBytes() * 1_000_000_000L / minMessageRate;
        return s.inbox.assemblyStartNanos(now) + messageTimeoutNanos + earned;
    }
}
