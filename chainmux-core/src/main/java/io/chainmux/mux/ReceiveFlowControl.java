package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.MuxException;
import io.chainmux.wire.WireFormat;

/**
 * Receive-side flow control of a session: what the peer may send us, and when credit goes back.
 *
 * <ul>
 *   <li>Windows: the connection's {@link ReceiveWindow} (here) and each stream's
 *       ({@link MuxStream#receiveWindow}). Arriving DATA charges both; a peer that exceeds either
 *       breaks the protocol.</li>
 *   <li>Release: credit returns when the application consumes a message ({@link #onConsumed}),
 *       or early for fragments of a message in progress, as {@link InboundCredit} decides, and in
 *       batches (WINDOW_UPDATE once a quarter of a window is owed).</li>
 *   <li>Autotuning: stream windows grow toward the bandwidth-delay product, all together by at most
 *       {@link MuxConfig#maxConnectionWindow()} minus the initial connection window; the connection
 *       window grows up to that maximum.</li>
 *   <li>The reassembly budget: bytes held in partial messages over all streams, bounded by
 *       {@link MuxConfig#maxReassemblyBytes()}.</li>
 * </ul>
 *
 * <p>Every byte charged to a stream returns to the connection exactly once: when consumed, when
 * credited early, or when the stream ends ({@link #streamEnded}).
 *
 * <p>Threading: event-loop confined. Consumption reported on other threads reaches
 * {@link #onConsumed} through {@link MuxStream}'s wake-up task.
 */
final class ReceiveFlowControl {
    private final MuxSession session;
    private final MuxConfig config;
    private ReceiveWindow connectionWindow;
    /** Bytes by which stream windows have grown beyond their initial size, over all streams. */
    private long streamWindowGrowth;
    /** Bytes held in partial messages over all streams; bounded by {@link MuxConfig#maxReassemblyBytes()}. */
    private long reassemblyBytes;

    ReceiveFlowControl(MuxSession session) {
        this.session = session;
        this.config = session.config;
    }

    void attach(long nowNanos) {
        connectionWindow = new ReceiveWindow(config.initialConnectionWindow(), nowNanos);
    }

    /** A stream got its id: the peer may send it our initial stream window. */
    void streamOpened(MuxStream s) {
        s.receiveWindow = new ReceiveWindow(config.initialStreamWindow(), session.now());
    }

    /** The connection window, or null before the session is attached; for diagnostics. */
    ReceiveWindow connectionWindow() {
        return connectionWindow;
    }

    // ------------------------------------------------------------------ arriving DATA

    /** Charges a DATA frame to the connection window. */
    void chargeConnection(int charge, int streamId) {
        if (!connectionWindow.charge(charge)) {
            throw MuxException.connection(ErrorCode.FLOW_CONTROL_ERROR,
                    "DATA of %d bytes on stream %d exceeds the connection window of %d", charge, streamId,
                    connectionWindow.available());
        }
    }

    /** Charges a DATA frame to its stream's window. */
    void chargeStream(MuxStream s, int charge) {
        if (!s.receiveWindow.charge(charge)) {
            throw MuxException.connection(ErrorCode.FLOW_CONTROL_ERROR,
                    "DATA of %d bytes exceeds the window of %d on stream %d", charge, s.receiveWindow.available(),
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
        if (session.isClosed() || session.isHardClosing()) {
            return;
        }
        release(s, s.credit.consumed(charge, messages));
    }

    /** A fragment (no message end yet) arrived on {@code s}: returns what {@link InboundCredit} allows now. */
    void fragment(MuxStream s, int charge) {
        release(s, s.credit.fragment(charge));
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
            int inc = w.takeUpdate(session.now(), session.rttNanos(), growthCap);
            streamWindowGrowth += w.size() - before;
            sendWindowUpdate(s.id(), inc);
        }
        returnConnectionCredit(credit);
    }

    /** Returns connection credit for bytes no stream will return (a closed stream, a dropped frame). */
    void returnConnectionCredit(long charge) {
        if (charge <= 0 || session.isHardClosing() || !connectionWindow.addPending(charge)) {
            return;
        }
        long growthCap = config.autotuneWindows()
                ? config.maxConnectionWindow() - (long) connectionWindow.size() : 0;
        sendWindowUpdate(WireFormat.CONNECTION_STREAM_ID,
                connectionWindow.takeUpdate(session.now(), session.rttNanos(), growthCap));
    }

    private void sendWindowUpdate(int streamId, int increment) {
        if (increment > 0) {
            OutboundWriter writer = session.writer;
            writer.windowUpdate(streamId, increment);
            writer.controlFrameQueued();
            writer.requestWrite();
        }
    }

    /**
     * {@code s} ended: its window growth goes back to the shared cap (if it was registered), and
     * the connection gets back what the application can no longer return: messages that waited
     * for an accept that never came, and fragments held back.
     */
    void streamEnded(MuxStream s, boolean registered) {
        if (registered && s.receiveWindow != null) {
            streamWindowGrowth -= s.receiveWindow.size() - config.initialStreamWindow();
        }
        returnConnectionCredit(s.credit.abandoned(s.backlogCharge()));
        if (s.assembling != null) {
            reassemblyBytes -= s.assembling.readableBytes();
        }
    }
}
