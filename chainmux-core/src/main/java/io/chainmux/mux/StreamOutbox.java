package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.Settings;
import io.netty.buffer.ByteBuf;

/**
 * A stream's send side up to its queue: whether a message may be taken (the peer's size limit, the
 * stream's state, room in the stream's and the connection's send buffers), and taking it: framed at
 * once on the event loop when nothing has to go first ({@link OutboundWriter#tryWriteNow}), else
 * queued in the stream's {@link OutboundQueue}; from another thread handed over through that
 * queue's bounded deque. It also keeps the FIN behind any send from another thread that passed its
 * checks before a concurrent {@code close()}.
 *
 * <p>Called from any thread; what happens next (the write pass, credit) is the writer's. No state of
 * its own: what it keeps (the count of sends in progress from other threads) is a field of the
 * stream, so an idle stream holds no object for its send side (8,000 idle streams per node).
 */
final class StreamOutbox {
    /** Why a stream we half-closed refuses to send. */
    private static final CloseReason HALF_CLOSED = CloseReason.local(ErrorCode.NO_ERROR,
            "half-closed by us: close() was called");

    private StreamOutbox() {
    }

    /**
     * Room in the stream's and the connection's send buffers; no side effects. A full connection buffer
     * is most likely full of streams whose peers stopped reading: a stream that still flows (not
     * {@link MuxStream#isSendBlocked() send-blocked}) keeps {@link SendFlowControl#FLOWING_ALLOWANCE}
     * of its own, so they cannot stop it.
     *
     * <p>A stream holds at most its send window plus {@link SendFlowControl#UNCREDITED_ALLOWANCE}
     * (within its send buffer): bytes beyond its window wait for the peer's credit, and that credit
     * (and the peer's ACCEPT) is read by the same event loop. A sender on the loop that may fill
     * whole send buffers (50 streams of 100-byte messages: 12.8 MB of copies) keeps the loop from
     * reading, and Netty runs tasks a sender queues from a task for up to a second before it polls
     * the socket: the connection stood still for that long with the credit in its receive buffer.
     * A stream not opened yet counts the window the peer grants every new stream. Read off the loop,
     * the window is racy, like the whole answer there.
     */
    static boolean hasRoom(MuxStream stream) {
        MuxConnection connection = stream.connection;
        // The window before the queue: the loop takes a write off the queue, then off the window, so a
        // sender on another thread never pairs a window already charged with a queue not yet drained.
        long limit = Math.min(connection.config.streamSendBuffer(), sendWindow(stream) + SendFlowControl.UNCREDITED_ALLOWANCE);
        long queued = stream.outbound.queuedBytes();
        if (connection.sendFlow.budget().isFull()) {
            if (stream.sendBlocked) {
                return false;
            }
            limit = Math.min(limit, SendFlowControl.FLOWING_ALLOWANCE);
        }
        return stream.refused ? queued <= limit / 2 : queued < limit;
    }

    /**
     * The stream's send window; for a stream not opened yet, the one it will get, or, before the
     * peer's SETTINGS, no bound but the send buffer (state is read first, see StreamRegistry).
     */
    private static long sendWindow(MuxStream stream) {
        if (stream.state() == StreamState.NEW) {
            Settings peer = stream.connection.peerSettings();
            return peer == null ? Integer.MAX_VALUE : peer.initialStreamWindow();
        }
        return Math.max(0, stream.sendWindow);
    }

    /** Takes one message, or refuses it; see {@link MuxStream#trySend} for the contract. */
    static boolean offer(MuxStream stream, ByteBuf message, boolean owned) {
        if (stream.connection.inEventLoop()) {
            return offerChecked(stream, message, owned, true); // close() cannot slip between check and queue here
        }
        stream.offeringFromOtherThread(1);
        try {
            return offerChecked(stream, message, owned, false);
        } finally {
            stream.offeringFromOtherThread(-1);
            if (stream.finRequested) {
                stream.wake(); // the loop may have held the FIN back for this send
            }
        }
    }

    private static boolean offerChecked(MuxStream s, ByteBuf message, boolean owned, boolean onLoop) {
        MuxConnection connection = s.connection;
        if (message.refCnt() == 0) {
            // Checked here, on the caller's thread: queued, it would fail the write pass instead.
            throw new IllegalArgumentException("message on stream " + s.describe() + " was already released");
        }
        int length = message.readableBytes();
        int limit = peerMaxMessageSizeForSend(s);
        if (length > limit) {
            throw taken(message, owned, new MessageTooLargeException(s, length, limit));
        }
        if (s.finRequested || !s.state().canSend()) {
            CloseReason r = s.closeReason();
            throw taken(message, owned, new ClosedException("stream " + s.describe() + " cannot send",
                    r != null ? r : HALF_CLOSED));
        }
        if (!hasRoom(s)) {
            return refuse(s);
        }
        if (onLoop) {
            if (connection.writer.tryWriteNow(s, message, length)) {
                if (owned) {
                    message.release();
                }
            } else {
                s.outbound.offerFromLoop(message, owned, s.id());
                if (s.outbound.active) {
                    connection.writer.requestWrite(); // already scheduled: the common case of a burst, no other check due
                } else {
                    connection.writer.onStreamReady(s);
                }
            }
            return true;
        }
        ByteBuf handed = owned ? message
                : connection.alloc().buffer(length).writeBytes(message, message.readerIndex(), length);
        if (!s.outbound.offerFromOtherThread(handed)) {
            if (!owned) {
                handed.release();
            }
            return refuse(s);
        }
        s.wake();
        return true;
    }

    /** A send that throws has taken its message all the same (the ownership rule): releases it. */
    private static RuntimeException taken(ByteBuf message, boolean owned, RuntimeException e) {
        if (owned) {
            message.release();
        }
        return e;
    }

    /** Arms {@code onWritable}: the stream has room again once its queue drained to half. Returns false. */
    static boolean refuse(MuxStream stream) {
        stream.refused = true;
        stream.connection.sendFlow.watch(stream);
        return false;
    }

    /**
     * Loop only: whether the FIN may go out once the queue is empty: {@code close()} was called and
     * no send from another thread is between its check and its queue (finRequested is read first).
     */
    static boolean finReady(MuxStream stream) {
        return stream.finRequested && stream.noOfferFromOtherThread();
    }

    private static int peerMaxMessageSizeForSend(MuxStream stream) {
        int p = stream.peerMaxMessageSize;
        return p > 0 ? p : stream.connection.peerMaxMessageSize();
    }
}
