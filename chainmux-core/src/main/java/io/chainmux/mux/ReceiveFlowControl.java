package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.MuxException;
import io.chainmux.wire.WireFormat;

import java.util.ArrayDeque;

/**
 * Receive-side flow control of a connection: what the peer may send us, and when credit goes back.
 *
 * <ul>
 *   <li>Windows: the connection's {@link ReceiveWindow} (here) and each stream's
 *       ({@link MuxStream#receiveWindow}). Arriving DATA charges both; a peer that exceeds either
 *       breaks the protocol.</li>
 *   <li>Connection credit returns <b>on receipt</b> (as HTTP/2 servers and QUIC stacks do): the
 *       connection window bounds bytes in flight, not memory, so streams whose readers stop cannot
 *       starve the others of it. Every byte charged to the connection is returned exactly once,
 *       right there.</li>
 *   <li>Stream credit returns when the application consumes a message ({@link #onConsumed}), or
 *       early for fragments of a message in progress, as {@link InboundCredit} decides, in batches
 *       (WINDOW_UPDATE once a quarter of a window is owed).</li>
 *   <li>Memory: every byte of stream credit granted and not yet settled is committed in the
 *       connection's {@link ReceiveBudget} ({@link MuxConfig#receiveBudget()}). A stream is admitted
 *       with its floor (the initial stream window) only if that fits; credit is granted only
 *       within the budget (what it holds back is granted once room frees up); windows grow toward
 *       the bandwidth-delay product only within the budget's growth share, up to
 *       {@link MuxConfig#maxStreamWindow()}; above that share, renewals shrink grown windows back
 *       toward the floor, and while other streams want to grow and the share is used up, grown
 *       windows shrink toward an equal share of it (max-min, not first come, first served).</li>
 *   <li>The reassembly budget: bytes held in partial messages over all streams, bounded by
 *       {@link MuxConfig#maxReassemblyBytes()}.</li>
 * </ul>
 *
 * <p>Threading: event-loop confined. Consumption reported on other threads reaches
 * {@link #onConsumed} through {@link MuxStream}'s wake-up task.
 */
final class ReceiveFlowControl {
    /**
     * Connection credit owed that goes back at once: 13 bytes of WINDOW_UPDATE per 16 KiB read. Small,
     * because the sender's pipe budget is at least four of these steps ({@link PipeBudget}).
     */
    static final int CONNECTION_RETURN_BYTES = 16 * 1024;
    private final MuxConnection connection;
    private final MuxConfig config;
    private final ReceiveBudget budget;
    /** Streams owed credit that the budget held back; served as soon as it has room again. */
    private final ArrayDeque<MuxStream> starved = new ArrayDeque<>();
    private ReceiveWindow connectionWindow;
    /** Streams whose window is above the floor. */
    private int grownStreams;
    /** Streams whose last growth check wanted a larger window that the growth share could not give. */
    private int growthStarved;
    /** Bytes held in partial messages over all streams; bounded by {@link MuxConfig#maxReassemblyBytes()}. */
    private long reassemblyBytes;

    ReceiveFlowControl(MuxConnection connection) {
        this.connection = connection;
        this.config = connection.config;
        this.budget = new ReceiveBudget(config.receiveBudget(), connection.stats());
    }

    void attach(long nowNanos) {
        connectionWindow = new ReceiveWindow(config.initialConnectionWindow(), nowNanos);
    }

    /** Whether a new stream's floor fits the receive budget now. */
    boolean canAdmit() {
        return config.initialStreamWindow() <= budget.room();
    }

    /**
     * A stream got its id: the peer may send it our initial stream window, which is committed from
     * the budget if it fits.
     *
     * @return false when it does not fit: the caller refuses the stream (nothing was committed)
     */
    boolean streamOpened(MuxStream s) {
        s.inbox.start(config.initialStreamWindow(), connection.now());
        s.startReceiveWindow();
        if (!budget.admit(config.initialStreamWindow())) {
            return false;
        }
        s.inbox.granted(config.initialStreamWindow());
        return true;
    }

    /** The connection window, or null before the connection is attached; for diagnostics. */
    ReceiveWindow connectionWindow() {
        return connectionWindow;
    }

    ReceiveBudget budget() {
        return budget;
    }

    // ------------------------------------------------------------------ arriving DATA

    /** Charges a DATA frame to the connection window and returns the credit at once (on receipt). */
    void chargeConnection(int charge, int streamId) {
        if (!connectionWindow.charge(charge)) {
            throw MuxException.connection(ErrorCode.FLOW_CONTROL_ERROR,
                    "DATA of %d bytes on stream %d exceeds the connection window of %d", charge, streamId,
                    connectionWindow.available());
        }
        returnConnectionCredit(charge);
    }

    /** Charges a DATA frame to its stream's window. */
    void chargeStream(MuxStream s, int charge) {
        if (!s.receiveWindow().charge(charge)) {
            throw MuxException.connection(ErrorCode.FLOW_CONTROL_ERROR,
                    "DATA of %d bytes exceeds the window of %d on stream %d", charge, s.receiveWindow().available(),
                    s.id());
        }
    }

    /** Bytes of partial messages held now, over all streams. */
    long reassemblyBytes() {
        return reassemblyBytes;
    }

    /** Reserves {@code length} bytes of the reassembly budget; false (nothing reserved) when over it. */
    boolean reserveAssembly(int length) {
        if (reassemblyBytes + length > config.maxReassemblyBytes()) {
            return false;
        }
        reassemblyBytes += length;
        return true;
    }

    /** {@code bytes} of partial messages are no longer held (completed or dropped). */
    void assemblyReleased(int bytes) {
        reassemblyBytes -= bytes;
    }

    // ------------------------------------------------------------------ returning credit

    /** The application consumed {@code messages} messages worth {@code charge} (length + 1 each). */
    void onConsumed(MuxStream s, long charge, int messages) {
        if (s.terminated || connection.isClosed() || connection.isHardClosing()) {
            return; // an ended stream's commitment was settled when it ended
        }
        budget.settle(s.inbox.settle(charge));
        release(s, s.inbox.creditOnConsumed(charge, messages));
        serveStarved();
    }

    /** A fragment (no message end yet) arrived on {@code s}: returns what {@link InboundCredit} allows now. */
    void fragment(MuxStream s, int charge) {
        release(s, s.inbox.fragment(charge));
    }

    /** Returns stream credit to the peer (while it can still send), within the receive budget. */
    private void release(MuxStream s, long credit) {
        if (credit <= 0) {
            return;
        }
        ReceiveWindow w = s.receiveWindow();
        if (!s.terminated && w != null && !s.finReceived() && w.addPending(credit)) {
            grant(s, w);
        }
    }

    private void grant(MuxStream s, ReceiveWindow w) {
        // growth comes on top of renewing what is pending: both must stay within the growth share
        long growthCap = config.autotuneWindows()
                ? Math.min(config.maxStreamWindow() - (long) w.size(), budget.growthRoom() - w.pending()) : 0;
        int before = w.size();
        int inc = w.takeUpdate(connection.now(), connection.rttNanos(), growthCap, shrinkTarget(s, w), budget.room());
        if (inc > 0) {
            budget.commit(inc);
            s.inbox.granted(inc);
            sendWindowUpdate(s.id(), inc);
        }
        trackGrowth(s, before, w);
        if (w.pending() > 0 && !s.creditStarved()) {
            s.creditStarved(true); // the budget is full: granted once it has room
            starved.add(s);
        }
    }

    /**
     * The size a renewal may shrink {@code s}'s window toward. Grown windows shrink by half per
     * renewal toward the floor while the budget is above its growth share (new streams' floors took
     * it there), and toward an equal share of the growth room while other streams want to grow and
     * the share is used up: windows are then shared max-min fairly, not first come, first served.
     */
    private int shrinkTarget(MuxStream s, ReceiveWindow w) {
        int floor = config.initialStreamWindow();
        int size = w.size();
        if (size <= floor) {
            return size;
        }
        if (budget.underPressure()) {
            return Math.max(floor, size / 2);
        }
        if (growthStarved - (s.wantsGrowth() ? 1 : 0) > 0 && budget.growthRoom() < floor) {
            long fair = budget.growthLimit() / Math.max(1, grownStreams + growthStarved);
            if (size > fair) {
                return (int) Math.max(Math.max(floor, fair), size / 2);
            }
        }
        return size;
    }

    /** Keeps the counts of grown streams and of streams that want to grow but cannot. */
    private void trackGrowth(MuxStream s, int before, ReceiveWindow w) {
        int floor = config.initialStreamWindow();
        if (before <= floor && w.size() > floor) {
            grownStreams++;
        } else if (before > floor && w.size() <= floor) {
            grownStreams--;
        }
        boolean starvedNow = w.growthDenied() && w.size() < config.maxStreamWindow();
        if (starvedNow != s.wantsGrowth()) {
            s.wantsGrowth(starvedNow);
            growthStarved += starvedNow ? 1 : -1;
        }
    }

    /** The budget may have room again: grants what it held back from starved streams, oldest first. */
    private void serveStarved() {
        MuxStream s;
        while (budget.room() > 0 && (s = starved.poll()) != null) {
            s.creditStarved(false);
            ReceiveWindow w = s.receiveWindow();
            if (!s.terminated && !s.finReceived() && w.pending() > 0) {
                grant(s, w);
            }
        }
    }

    /**
     * Returns connection credit; WINDOW_UPDATE on stream 0 once {@link #CONNECTION_RETURN_BYTES} (or
     * a quarter of the window, if less) is owed. The sender steers the bytes it lets into the path by
     * this credit ({@link PipeBudget}), so it comes back in small steps, not per quarter window.
     */
    private void returnConnectionCredit(long charge) {
        if (charge <= 0 || connection.isHardClosing()) {
            return;
        }
        if (!connectionWindow.addPending(charge) && connectionWindow.pending() < CONNECTION_RETURN_BYTES) {
            return;
        }
        long growthCap = config.autotuneWindows()
                ? config.maxConnectionWindow() - (long) connectionWindow.size() : 0;
        sendWindowUpdate(WireFormat.CONNECTION_STREAM_ID, connectionWindow.takeUpdate(connection.now(),
                connection.rttNanos(), growthCap, connectionWindow.size(), Long.MAX_VALUE));
    }

    private void sendWindowUpdate(int streamId, int increment) {
        if (increment > 0) {
            OutboundWriter writer = connection.writer;
            writer.windowUpdate(streamId, increment);
            writer.controlFrameQueued();
            writer.requestWrite();
        }
    }

    /**
     * {@code s} ended: its whole commitment goes back to the budget, exactly once, whatever ended
     * it (messages unread, waiting for an accept, or in assembly included), and its partial message
     * leaves the reassembly budget.
     */
    void streamEnded(MuxStream s) {
        budget.settle(s.inbox.settleAll());
        if (s.receiveWindow() != null && s.receiveWindow().size() > config.initialStreamWindow()) {
            grownStreams--;
        }
        if (s.wantsGrowth()) {
            s.wantsGrowth(false);
            growthStarved--;
        }
        reassemblyBytes -= s.inbox.assemblingBytes();
        if (!connection.isHardClosing()) {
            serveStarved();
        }
    }
}
