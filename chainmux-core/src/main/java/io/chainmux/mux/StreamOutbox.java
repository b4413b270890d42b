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
     * Room in the stream's and the connection's send buffers; no side effects. A connection buffer
     * full of streams whose peers stopped reading (send-blocked streams hold half of it or more) cannot
     * stop a stream that still flows (not {@link MuxStream#isSendBlocked() send-blocked}): it keeps
     * {@link SendFlowControl#FLOWING_ALLOWANCE} of its own. A buffer full of traffic that flows refuses
     * every stream until it has drained to half: with an allowance each, 1000 equal streams of small
     * messages queued ~62 MB (twice the limit), a working set far beyond the CPU's caches that every
     * message was written into and read back from.
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
        SendBudget budget = connection.sendFlow.budget();
        if (budget.isFull()) {
            if (stream.sendBlocked || !budget.heldByBlocked()) {
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
            if (stream.connection.writer.encoding()) {
                throw taken(message, owned, sendWhileEncoding(stream));
            }
            return offerChecked(stream, message, owned, true); // close() cannot slip between check and queue here
        }
        stream.outbound.offeringFromOtherThread(1);
        try {
            return offerChecked(stream, message, owned, false);
        } finally {
            offeredFromOtherThread(stream);
        }
    }

    private static boolean offerChecked(MuxStream s, ByteBuf message, boolean owned, boolean onLoop) {
        MuxConnection connection = s.connection;
        if (message.refCnt() == 0) {
            // Checked here, on the caller's thread: queued, it would fail the write pass instead.
            throw new IllegalArgumentException("message on stream " + s.describe() + " was already released");
        }
        int length = message.readableBytes();
        RuntimeException refused = checkSendable(s, length);
        if (refused != null) {
            throw taken(message, owned, refused);
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
                queuedFromLoop(s);
            }
            return true;
        }
        ByteBuf handed = owned ? message
                : connection.alloc().buffer(length).writeBytes(message, message.readerIndex(), length);
        return handOver(s, handed, !owned);
    }

    /** Takes one message an encoder writes, or refuses it; see {@link MuxStream#trySendEncoded}. */
    static boolean offerEncoded(MuxStream s, int maxLength, MessageEncoder encoder) {
        if (encoder == null) {
            throw new IllegalArgumentException("encoder is required");
        }
        if (maxLength < 0) {
            throw new IllegalArgumentException("maxLength must be >= 0, was " + maxLength);
        }
        MuxConnection connection = s.connection;
        if (!connection.inEventLoop()) {
            s.outbound.offeringFromOtherThread(1);
            try {
                return offerEncodedFromOtherThread(s, maxLength, encoder);
            } finally {
                offeredFromOtherThread(s);
            }
        }
        if (connection.writer.encoding()) {
            throw sendWhileEncoding(s);
        }
        RuntimeException refused = checkSendable(s, maxLength);
        if (refused != null) {
            throw refused;
        }
        if (!hasRoom(s)) {
            return refuse(s);
        }
        OutboundWriter writer = connection.writer;
        if (writer.tryEncodeNow(s, maxLength, encoder)) {
            return true;
        }
        int id = s.id();
        if (OutboundWriter.copiesWhenQueued(maxLength) && id != 0) {
            s.outbound.offerEncodedFromLoop(writer, id, maxLength, encoder);
        } else {
            ByteBuf message = connection.alloc().directBuffer(maxLength, maxLength);
            try {
                message.writerIndex(writer.encode(message, 0, maxLength, encoder));
            } catch (RuntimeException | Error e) {
                message.release();
                throw e;
            }
            s.outbound.offerFromLoop(message, true, id);
        }
        queuedFromLoop(s);
        return true;
    }

    /**
     * Off the loop the encoder writes into a buffer of its own (capacity {@code maxLength}), which is
     * handed over like a {@code trySend} from another thread. A full hand-over queue refuses it after
     * encoding (rare: the stream's room was checked first).
     */
    private static boolean offerEncodedFromOtherThread(MuxStream s, int maxLength, MessageEncoder encoder) {
        RuntimeException refused = checkSendable(s, maxLength);
        if (refused != null) {
            throw refused;
        }
        if (!hasRoom(s)) {
            return refuse(s);
        }
        ByteBuf message = s.connection.alloc().buffer(maxLength, maxLength);
        try {
            encoder.encode(message);
        } catch (RuntimeException | Error e) {
            if (message.refCnt() > 0) {
                message.release();
            }
            throw e;
        }
        if (message.refCnt() != 1) {
            if (message.refCnt() > 0) {
                message.release(); // ours; a reference the encoder took is its own
            }
            throw new IllegalStateException("the encoder on stream " + s.describe()
                    + " retained or released the buffer it was lent");
        }
        message.readerIndex(0); // the message is everything written, as on the loop
        return handOver(s, message, true);
    }

    /**
     * The checks every send makes before it looks for room: the peer's size limit and a stream that
     * can still send. Returns the exception to throw, or null.
     */
    private static RuntimeException checkSendable(MuxStream s, int length) {
        int limit = peerMaxMessageSizeForSend(s);
        if (length > limit) {
            return new MessageTooLargeException(s, length, limit);
        }
        return cannotSend(s);
    }

    /** Why the stream cannot send (it ended, or we half-closed it), or null if it can. */
    private static ClosedException cannotSend(MuxStream s) {
        if (s.finRequested || !s.state().canSend()) {
            CloseReason r = s.closeReason();
            return new ClosedException("stream " + s.describe() + " cannot send", r != null ? r : HALF_CLOSED);
        }
        return null;
    }

    private static IllegalStateException sendWhileEncoding(MuxStream s) {
        return new IllegalStateException("a send on stream " + s.describe()
                + " from inside a MessageEncoder of its connection");
    }

    /** Loop only: a message was queued; the scheduler hears of the stream, or only asked for a pass. */
    private static void queuedFromLoop(MuxStream s) {
        if (s.outbound.active) {
            s.connection.writer.requestWrite(); // already scheduled: the common case of a burst, no other check due
        } else {
            s.connection.writer.onStreamReady(s);
        }
    }

    /**
     * Another thread hands {@code message} (the stream's from now on) to the loop; refused when the
     * hand-over queue is full, then released if {@code releaseIfRefused}.
     */
    private static boolean handOver(MuxStream s, ByteBuf message, boolean releaseIfRefused) {
        if (!s.outbound.offerFromOtherThread(message)) {
            if (releaseIfRefused) {
                message.release();
            }
            return refuse(s);
        }
        s.outbound.wake();
        return true;
    }

    /** A send from another thread left its check-to-queue window. */
    private static void offeredFromOtherThread(MuxStream s) {
        s.outbound.offeringFromOtherThread(-1);
        if (s.finRequested) {
            s.outbound.wake(); // the loop may have held the FIN back for this send
        }
    }

    /** A send that throws has taken its message all the same (the ownership rule): releases it. */
    private static RuntimeException taken(ByteBuf message, boolean owned, RuntimeException e) {
        if (owned) {
            message.release();
        }
        return e;
    }

    /** {@link MuxStream#sendFrom}: checked on the caller's thread, attached on the loop. */
    static void sendFrom(MuxStream s, MessageSource source) {
        ClosedException closed = cannotSend(s);
        if (closed != null) {
            throw closed;
        }
        s.connection.runOnLoop(() -> {
            if (!s.terminated) {
                s.source = source;
                s.connection.writer.onStreamReady(s);
            }
        });
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
        return stream.finRequested && stream.outbound.noOfferFromOtherThread();
    }

    private static int peerMaxMessageSizeForSend(MuxStream stream) {
        int p = stream.peerMaxMessageSize;
        return p > 0 ? p : stream.connection.peerMaxMessageSize();
    }
}
