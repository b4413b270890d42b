package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.MuxException;
import io.chainmux.wire.Settings;
import io.chainmux.wire.WireFormat;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Send-side flow control of a connection: how much the write pass may send, and who waits for room.
 *
 * <ul>
 *   <li>Credit from the peer: the connection send window (here) and each stream's send window
 *       ({@link MuxStream#sendWindow}); a DATA frame charges its length, +1 at a message end, to
 *       both, and WINDOW_UPDATE frames add to them.</li>
 *   <li>Blocked state: whether the last write pass stopped on the connection window, so the writer
 *       waits for the peer's WINDOW_UPDATE instead of spinning; and, per stream, whether its own
 *       window ran out with data queued (the peer's reader is behind): counted, reported once per
 *       episode to {@link StreamListener#onSendBlocked}, cleared by the stream's next WINDOW_UPDATE.</li>
 *   <li>The connection's send buffer ({@link SendBudget}) and the streams whose send was refused,
 *       which hear {@link StreamListener#onWritable} once there is room again.</li>
 * </ul>
 *
 * <p>Threading: event-loop confined, except {@link #budget()} (read by senders on any thread) and
 * {@link #watch}, which any thread may call.
 */
final class SendFlowControl {
    /**
     * Bytes a stream that still flows may queue while the connection's send buffer is full of streams
     * whose peers stopped reading ({@link SendBudget#heldByBlocked}): without it, 1000 such streams
     * (each holding its queue) would fill the connection buffer and refuse every other stream's sends.
     * Costs at most this much (plus one message) per flowing stream beyond the connection buffer.
     */
    static final int FLOWING_ALLOWANCE = 64 * 1024;
    /**
     * Bytes a stream may queue beyond its send window (see {@link StreamOutbox#hasRoom}): a few
     * frames to go out as soon as credit arrives, and at least the initial window's worth, so a
     * stream opened and written at once is not refused before it learns its window.
     */
    static final int UNCREDITED_ALLOWANCE = 32 * 1024;
    /** Room in the pipe below which the writer waits for credit (a default-size frame). */
    static final int PIPE_SLACK = 16 * 1024;

    private final MuxConnection connection;
    private final MuxStats stats;
    private final SendBudget budget;
    private final Queue<MuxStream> writabilityWatchers = new ConcurrentLinkedQueue<>();
    private final List<MuxStream> nowWritable = new ArrayList<>();
    /**
     * Send-blocked watchers set aside while the connection buffer is full, so a write pass does not
     * walk them all; each returns to the watchers at its next WINDOW_UPDATE, or all once the buffer
     * has room. Loop only.
     */
    private final Set<MuxStream> parked = new LinkedHashSet<>();
    /** Streams whose source's next (queued) message did not fit in the send buffer; see {@link #sourceWaits}. */
    private final List<MuxStream> sourcesWaiting = new ArrayList<>();
    /** The send buffer's bytes when a source last began to wait: they are woken once it holds fewer. */
    private long queuedWhenSourceWaited;

    private long connectionWindow;
    /** Bytes the peer has not read yet, bounded to what the path needs (see {@link PipeBudget}). */
    private final PipeBudget pipe = new PipeBudget();
    /** The last write pass stopped because the connection window could not carry the next frame. */
    private boolean connectionBlocked;

    SendFlowControl(MuxConnection connection) {
        this.connection = connection;
        this.stats = connection.stats();
        this.budget = new SendBudget(connection.config.connectionSendBuffer());
    }

    SendBudget budget() {
        return budget;
    }

    /** The peer's SETTINGS arrived: its initial connection window is our credit. */
    void peerSettings(Settings settings) {
        connectionWindow = settings.initialConnectionWindow();
    }

    /** A stream got its id: it may send the peer's initial stream window. */
    void streamOpened(MuxStream s, Settings peer) {
        s.sendWindow = peer.initialStreamWindow();
    }

    long connectionWindow() {
        return connectionWindow;
    }

    // ------------------------------------------------------------------ the write pass

    void passStarted() {
        connectionBlocked = false;
    }

    /** Whether another pass could send more: it did not stop on the connection window. */
    boolean mayContinue() {
        return !connectionBlocked && connectionRoom() > 0;
    }

    /** Bytes {@code s} may send now (length + 1 per message end). */
    long window(MuxStream s) {
        return Math.min(s.sendWindow, connectionRoom());
    }

    /**
     * What the connection may send now: its window, within the pipe budget. A pipe with less than
     * {@link #PIPE_SLACK} of room counts as full, so the writer waits for the next credit instead of
     * cutting slivers off the next frame.
     */
    private long connectionRoom() {
        long pipeRoom = pipe.room();
        return Math.min(connectionWindow, pipeRoom < PIPE_SLACK ? 0 : pipeRoom);
    }

    PipeBudget pipe() {
        return pipe;
    }

    /** Charges a written frame (or run) to the stream's and the connection's window. */
    void charge(MuxStream s, int charge) {
        s.sendWindow -= charge;
        connectionWindow -= charge;
        if (pipe.sent(charge, s)) {
            pipe.startSample(connection.now());
        }
    }

    /**
     * {@code s} could not send its next frame: counts the stall on whichever window was short.
     *
     * @return {@link WriteScheduler#BLOCKED} when the connection window stops everyone, else
     *         {@link WriteScheduler#IDLE} (the stream waits for its own WINDOW_UPDATE)
     */
    int stalled(MuxStream s) {
        if (connectionRoom() <= s.sendWindow) {
            stats.connectionWindowStalls++;
            connectionBlocked = true;
            return WriteScheduler.BLOCKED;
        }
        stats.sendWindowStalls++;
        if (!s.sendBlocked) { // reported once per episode, as QUIC's STREAM_DATA_BLOCKED
            s.sendBlocked = true;
            budget.addBlocked(s.outbound.counted());
            stats.sendBlocked++;
            s.notifySendBlocked();
        }
        return WriteScheduler.IDLE;
    }

    // ------------------------------------------------------------------ credit from the peer

    void connectionWindowUpdate(int increment) {
        connectionWindow += increment;
        boolean tight = pipe.contended();
        pipe.returned(increment, connection.now());
        if (!tight && pipe.contended()) {
            stats.pipeTightened++;
        }
        if (connectionWindow > WireFormat.MAX_WINDOW) {
            throw MuxException.connection(ErrorCode.FLOW_CONTROL_ERROR, "connection window above 2^31-1");
        }
    }

    void streamWindowUpdate(MuxStream s, int increment) {
        long window = (long) s.sendWindow + increment;
        if (window > WireFormat.MAX_WINDOW) {
            throw MuxException.connection(ErrorCode.FLOW_CONTROL_ERROR, "window of stream %d above 2^31-1", s.id());
        }
        s.sendWindow = (int) window;
        if (s.sendBlocked) {
            s.sendBlocked = false;
            budget.addBlocked(-s.outbound.counted());
        }
        if (s.parked) {
            parked.remove(s);
            s.parked = false;
            writabilityWatchers.add(s);
        }
    }

    // ------------------------------------------------------------------ room in the send buffers

    /** Remembers a stream whose send was refused, so it hears {@code onWritable} once there is room. */
    void watch(MuxStream s) {
        if (s.outbound.startWatching()) {
            writabilityWatchers.add(s);
            if (!connection.inEventLoop()) {
                connection.writer.requestWriteFromOtherThread();
            }
        }
    }

    boolean hasWatchers() {
        return !writabilityWatchers.isEmpty();
    }

    /**
     * {@code s}, whose sender waits for room, ran dry in the middle of a write pass while it still
     * has its turn: tells its listener now ({@code onWritable}) instead of at the end of the pass.
     * One pass may carry up to the channel's write budget (1 MiB and more); a stream whose weighted
     * share of it exceeds its send buffer would otherwise go idle every pass, lose its turn and its
     * deficit in the scheduler, and the other streams would take the rest: weights 1:2:4 came out
     * near 1:1:1.6 on loopback that way. A sender that refills from the loop keeps its turn; one on
     * another thread is not backlogged here, and the stream goes idle as before. Its entry among
     * the watchers stays: {@link #notifyWritable} drops it once it finds room and nothing refused.
     *
     * @return true when the listener was told (it may have queued more, or ended the stream)
     */
    boolean refillMidPass(MuxStream s) {
        if (s.listener == null || s.parked) {
            return false;
        }
        s.refused = false;
        s.notifyWritable();
        return true;
    }

    /** Tells streams that were refused a send that they have room again. */
    /**
     * {@code s}'s source has a message for the queue that would take the send buffer past its limit:
     * the stream waits until the buffer holds fewer bytes than now (a write took some out), then is
     * pulled again. Woken by progress only, so a buffer that does not drain costs no pass.
     */
    void sourceWaits(MuxStream s) {
        queuedWhenSourceWaited = budget.queued();
        if (!s.sourceWaiting) {
            s.sourceWaiting = true;
            sourcesWaiting.add(s);
        }
    }

    void notifyWritable() {
        if (!sourcesWaiting.isEmpty() && budget.queued() < queuedWhenSourceWaited) {
            for (MuxStream s : sourcesWaiting) {
                s.sourceWaiting = false;
                connection.writer.onStreamReady(s); // a stream that ended is let go there
            }
            sourcesWaiting.clear();
        }
        boolean full = budget.isFull();
        if (!full && !parked.isEmpty()) {
            for (MuxStream s : parked) {
                s.parked = false;
                writabilityWatchers.add(s);
            }
            parked.clear();
        }
        if (writabilityWatchers.isEmpty()) {
            return;
        }
        for (Iterator<MuxStream> it = writabilityWatchers.iterator(); it.hasNext(); ) {
            MuxStream s = it.next();
            if (s.terminated) {
                it.remove();
                s.outbound.stopWatching();
            } else if (full && s.sendBlocked) {
                it.remove(); // no room for it until its window moves or the buffer drains
                s.parked = true;
                parked.add(s);
            } else if (s.hasRoom()) {
                it.remove();
                s.outbound.stopWatching();
                if (s.refused && s.listener != null) {
                    s.refused = false;
                    nowWritable.add(s);
                }
            }
        }
        for (MuxStream s : nowWritable) {
            s.notifyWritable();
        }
        nowWritable.clear();
    }
}
