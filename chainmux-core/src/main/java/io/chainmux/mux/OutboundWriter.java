package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.Settings;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;

/**
 * The outbound half of a connection: every frame it sends goes through here, and every framing
 * decision is made here.
 *
 * <p><b>Framing.</b> Frames are appended, in the order they are produced, to a pooled batch buffer
 * whose filled part is handed to the channel as a slice, with one flush per write pass. Small
 * payloads are copied next to their header; large ones, and long runs of pre-framed messages, go
 * out as zero-copy slices. The batch lives for one pass only: between passes the connection holds no
 * pooled memory, so a connection dropped without a close event (an event loop torn down under it)
 * cannot leak it. Every DATA header is written here: by {@link #dataHeader}, including the ones
 * {@link OutboundQueue} writes when it copies a small message into a chunk ({@link #preFrame}), or,
 * behind a message an encoder wrote, by {@link #frameEncoded}.
 *
 * <p><b>The write pass.</b> Control frames are written as they are produced. Data waits for a
 * pass: a stream with something to send is put in the {@link WriteScheduler}, which decides who
 * writes next; {@link #emit} writes at most one frame (or one run of small messages) for the
 * stream it is given, within what {@link SendFlowControl} allows. One pass per event-loop turn
 * ({@link #requestWrite}), within the channel's write budget, then one flush.
 *
 * <p>Threading: event-loop confined; only the static framing helpers may be used anywhere.
 */
final class OutboundWriter {
    /**
     * The one copy threshold, for every copy-or-reference decision on the way out: a message up to
     * this size is copied when queued, pre-framed into a chunk; a payload, or a run of pre-framed
     * messages, up to this size is copied into the batch. Anything larger is referenced and goes
     * out as a zero-copy slice. Below it, a copy costs less than the slice object and the extra
     * write it replaces.
     */
    static final int COPY_THRESHOLD = 2048;
    /**
     * Streams that share a write pass take turns in frames of at most this many bytes (the
     * scheduler's quantum), so a 1 KiB message of another chain waits behind at most one of them.
     * A stream that is the only one with data to send has nobody to take turns with: it frames up
     * to the peer's max frame size, since every frame costs a header, a slice and a pass through the
     * pipeline on our side and a frame's worth of bookkeeping, and usually a reassembly copy, on
     * the peer's. The frame split does not change what a message that arrives later waits behind:
     * the bytes handed to the channel before it.
     */
    static final int INTERLEAVED_FRAME_SIZE = 16 * 1024;
    private static final int BATCH_SIZE = 64 * 1024;

    private final MuxConnection connection;
    private final MuxConfig config;
    private final MuxStats stats;
    private final SendFlowControl flow;
    private final WriteScheduler.Emitter<MuxStream> emitter = this::emit;
    private final Runnable writeTask;
    private final Runnable requestWriteTask;

    private ChannelHandlerContext ctx;
    /** Created on the peer's SETTINGS: its quantum is the peer's max frame size. */
    private DeficitRoundRobinScheduler<MuxStream> scheduler;
    private Settings peer;
    private ByteBuf batch;
    /** The pulled path: streams' {@link MessageSource}s framed into the batch. */
    private final SourcePull sources;
    /** The room every encoder on this loop writes into (see {@link #encode}). */
    private final LentBuffer lent = new LentBuffer();
    private boolean dirty;
    private boolean writeScheduled;
    /**
     * The scheduler is distributing a pass. A listener it calls (onWritable, onSendBlocked) may queue
     * data and ask for a pass; EmbeddedChannel even runs that task inside a write. Passes never nest:
     * the running pass ends by asking for another while streams are still active.
     */
    private boolean inPass;
    /** Inside a read: a pass requested now runs at read-complete instead of as a task. */
    private boolean reading;
    private int controlFramesWhileUnwritable;
    /** The scheduler's light- and heavy-turn counts the pipe budget has been told of. */
    private long lightTurnsSeen;
    private long heavyTurnsSeen;

    OutboundWriter(MuxConnection connection, SendFlowControl flow) {
        this.connection = connection;
        this.config = connection.config;
        this.stats = connection.stats();
        this.flow = flow;
        this.sources = new SourcePull(connection, this, flow);
        this.writeTask = connection.contained(Containment.WRITE_PASS, this::writePass);
        this.requestWriteTask = connection.contained(Containment.TASK, this::requestWrite);
    }

    void attach(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** The peer's SETTINGS arrived: data may flow from now on. */
    void peerSettings(Settings settings) {
        this.peer = settings;
        this.scheduler = new DeficitRoundRobinScheduler<>(Math.min(settings.maxFrameSize(), INTERLEAVED_FRAME_SIZE));
    }

    // ------------------------------------------------------------------ scheduling the write pass

    /** A stream has something to write (data, FIN, or new window): put it in the schedule. */
    void onStreamReady(MuxStream s) {
        assert connection.inEventLoop();
        if (s.terminated) {
            s.releaseBuffers(); // a message queued by another thread as the stream ended
            return;
        }
        if (scheduler == null || s.id() == 0 || s.state() == StreamState.NEW
                || s.state() == StreamState.PENDING_ACCEPT) {
            return;
        }
        if (s.outbound.active) {
            requestWrite();
        } else if (!s.outboundEmpty() || s.source != null || (s.finRequested && !s.finSent)) {
            scheduler.activate(s.outbound);
            requestWrite();
        }
    }

    /**
     * The send fast path: frames a small message from the event loop straight into the batch, one
     * copy, when nothing could have to go first (see {@link #mayWriteNow}). Otherwise the message is
     * queued and the write pass decides. Does not touch the caller's reference or indices.
     *
     * @return true when the message was framed (a pass to flush it is requested)
     */
    boolean tryWriteNow(MuxStream s, ByteBuf message, int length) {
        if (!mayWriteNow(s, length)) {
            return false;
        }
        dataHeader(room(WireFormat.HEADER_LENGTH + length), s.id(), WireFormat.FLAG_END_MESSAGE, length);
        batch.writeBytes(message, message.readerIndex(), length);
        wroteNow(s, length);
        return true;
    }

    /**
     * The fast path for {@link MuxStream#trySendEncoded}: the encoder writes the message into the
     * batch, behind the room kept for its header, under the same conditions as {@link #tryWriteNow}
     * with {@code maxLength} for the length. If the encoder throws, nothing is written.
     *
     * @return true when the message was framed
     */
    boolean tryEncodeNow(MuxStream s, int maxLength, MessageEncoder encoder) {
        if (!mayWriteNow(s, maxLength)) {
            return false;
        }
        ByteBuf b = room(WireFormat.HEADER_LENGTH + maxLength);
        int at = b.writerIndex();
        int length = encode(b, at + WireFormat.HEADER_LENGTH, maxLength, encoder);
        frameEncoded(b, at, s.id(), length);
        wroteNow(s, length);
        return true;
    }

    /**
     * Whether a message of up to {@code length} bytes may be framed now, ahead of the scheduler:
     * the stream has its id and nothing queued, no stream waits in the schedule (so the scheduler
     * has no order to keep), the stream's and the connection's window cover the message, and the
     * channel takes it within its write budget.
     */
    private boolean mayWriteNow(MuxStream s, int length) {
        DeficitRoundRobinScheduler<MuxStream> sched = scheduler;
        if (length > COPY_THRESHOLD || sched == null || sched.hasActive() || s.outbound.active || s.id() == 0
                || connection.isHardClosing() || length > peer.maxFrameSize()
                || length + 1L > flow.window(s) || !s.outbound.isEmpty()) {
            return false;
        }
        StreamState state = s.state();
        return state != StreamState.NEW && state != StreamState.PENDING_ACCEPT
                && pendingBytes() + WireFormat.HEADER_LENGTH + length <= ctx.channel().bytesBeforeUnwritable();
    }

    private void wroteNow(MuxStream s, int length) {
        flow.charge(s, length + 1);
        s.outbound.fresh = false; // what it queues next is the rest of a burst, not a light stream's message
        stats.bytesOut += length;
        stats.messagesOut++;
        requestWrite();
    }

    /**
     * Lends {@code maxLength} bytes of {@code target} from {@code base} on to {@code encoder} and
     * returns the length of the message it wrote. Nothing of {@code target} changes but the bytes in
     * that window; the caller frames them. While it runs, {@link #encoding()} is true: the
     * connection takes no send and defers its other work until it returns.
     */
    int encode(ByteBuf target, int base, int maxLength, MessageEncoder encoder) {
        LentBuffer out = lent.lend(target, base, maxLength);
        try {
            encoder.encode(out);
        } finally {
            out.end();
        }
        return out.writerIndex();
    }

    /** Whether a {@link MessageEncoder} of this connection is running (on the loop). */
    boolean encoding() {
        return lent.isLent();
    }

    /** Whether a stream waits in the schedule. */
    boolean hasActive() {
        return scheduler != null && scheduler.hasActive();
    }

    /** Asks for one write pass: run as a task, or at read-complete while a read is in progress. */
    void requestWrite() {
        assert connection.inEventLoop();
        if (!writeScheduled && !connection.isClosed()) {
            writeScheduled = true;
            if (!reading) {
                ctx.executor().execute(writeTask);
            }
        }
    }

    /** {@link #requestWrite}, from a thread other than the event loop. */
    void requestWriteFromOtherThread() {
        connection.execute(requestWriteTask);
    }

    void readStarted() {
        reading = true;
    }

    void readEnded() {
        reading = false;
    }

    /** The read is complete: run the pass it requested, if any. */
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

    /** One pass: data frames in scheduling order within the channel's write budget, then one flush. */
    void writePass() {
        assert connection.inEventLoop();
        writeScheduled = false;
        if (connection.isClosed() || inPass) {
            return; // a listener called in a pass asked for one: this pass's end decides whether another runs
        }
        Channel ch = ctx.channel();
        flow.passStarted();
        if (!connection.isHardClosing() && hasActive()) {
            long budget = ch.bytesBeforeUnwritable() - pendingBytes();
            if (budget > 0) {
                inPass = true;
                try {
                    scheduler.distribute(budget, emitter);
                } finally {
                    inPass = false;
                }
                turnsSeen(scheduler.lightTurns(), scheduler.heavyTurns());
            }
        }
        flush();
        flow.notifyWritable();
        // Go on only if the pass stopped at its byte budget. One blocked on the connection window
        // waits for the peer's WINDOW_UPDATE (which requests a pass): the window may be above zero
        // yet too small for the next frame, and passes in a loop would spin the event loop.
        if (!connection.isHardClosing() && hasActive() && flow.mayContinue() && ch.isWritable()) {
            requestWrite();
        }
    }

    /** The scheduler's light turns so far (for tests), zero before the peer's SETTINGS. */
    long lightTurns() {
        return scheduler == null ? 0 : scheduler.lightTurns();
    }

    /** Tells the pipe budget of light and heavy turns in the pass (see {@link PipeBudget}). */
    private void turnsSeen(long light, long heavy) {
        if (light != lightTurnsSeen) {
            lightTurnsSeen = light;
            flow.pipe().lightTurn(scheduler.takeLeastLightWait());
        }
        if (heavy != heavyTurnsSeen) {
            heavyTurnsSeen = heavy;
            flow.pipe().heavyTurn();
        }
    }

    /** Writes at most one DATA frame, or one run of small messages, for a stream. */
    private int emit(MuxStream s, int maxBytes) {
        assert connection.inEventLoop();
        if (connection.isHardClosing()) {
            return WriteScheduler.BLOCKED;
        }
        if (s.terminated || s.finSent) {
            return WriteScheduler.IDLE;
        }
        OutboundQueue q = s.outbound;
        if (s.refused && q.isEmpty() && flow.refillMidPass(s)) {
            if (connection.isHardClosing()) {
                return WriteScheduler.BLOCKED;
            }
            if (s.terminated || s.finSent) {
                return WriteScheduler.IDLE;
            }
        }
        if (!q.inProgress()) {
            int limit = s.peerMaxMessageSize > 0 ? s.peerMaxMessageSize : peer.maxMessageSize();
            int run = q.writeRun(this, flow.window(s), maxBytes, limit);
            if (run >= 0) {
                int messages = q.runMessages();
                flow.charge(s, run + messages);
                stats.bytesOut += run;
                stats.messagesOut += messages;
                return run;
            }
            int next = q.next();
            if (next < 0 && s.source != null && !s.finRequested) {
                int pulled = sources.pull(s, peer, maxBytes, limit);
                if (pulled == SourcePull.INTO_QUEUE) {
                    return emit(s, maxBytes); // once: the queue is not empty now, so this call does not pull
                }
                if (pulled != WriteScheduler.DRAINED) {
                    return pulled;
                }
            }
            if (next < 0) {
                if (s.finReady()) {
                    data(s.id(), WireFormat.FLAG_FIN, Unpooled.EMPTY_BUFFER, 0);
                    finSent(s);
                    return 0;
                }
                return WriteScheduler.DRAINED;
            }
            if (next > limit) {
                q.dropCurrent();
                connection.registry.reset(s, ErrorCode.MESSAGE_TOO_LARGE, null,
                        "queued message of " + next + " bytes exceeds the peer's limit of " + limit);
                return WriteScheduler.IDLE;
            }
        }
        if (q.currentReleased()) {
            // The application released a message it had handed over: only this stream is broken.
            q.dropCurrent();
            connection.contain(Containment.RELEASED_MESSAGE, s, new IllegalStateException(
                    "a message queued on stream " + s.describe() + " was released by the application"));
            return WriteScheduler.IDLE;
        }
        int remaining = q.remaining();
        int length = Math.min(remaining, frameSize());
        boolean last = length == remaining;
        long window = flow.window(s);
        if (length + (last ? 1 : 0) > window) {
            // Send what the window allows, but end a message only with the credit for its end.
            length = (int) Math.min(length, window);
            if (length == remaining) {
                length--;
            }
            last = false;
            if (length <= 0) {
                return flow.stalled(s);
            }
        }
        boolean fin = last && s.finReady() && q.isEmptyAfterCurrent();
        int flags = (last ? WireFormat.FLAG_END_MESSAGE : 0) | (fin ? WireFormat.FLAG_FIN : 0);
        q.writeFrame(this, s.id(), flags, length);
        flow.charge(s, length + (last ? 1 : 0));
        stats.bytesOut += length;
        if (last) {
            stats.messagesOut++;
        }
        if (fin) {
            finSent(s);
        }
        return length;
    }

    /** The largest frame the stream being served may write now (see {@link #INTERLEAVED_FRAME_SIZE}). */
    private int frameSize() {
        int max = peer.maxFrameSize();
        return scheduler.single() ? max : Math.min(max, INTERLEAVED_FRAME_SIZE);
    }

    private void finSent(MuxStream s) {
        if (s.finWasSent()) {
            connection.registry.terminate(s, CloseReason.NORMAL);
        }
    }

    /** Counts a control frame; a peer that stops reading cannot make us queue them without bound. */
    void controlFrameQueued() {
        if (!ctx.channel().isWritable() && ++controlFramesWhileUnwritable > config.maxQueuedControlFrames()) {
            connection.connectionError(connection.shutdown.budgetBroken(Budget.QUEUED_CONTROL_FRAMES, "more than "
                    + config.maxQueuedControlFrames() + " control frames queued while the peer does not read"));
        }
    }

    // ------------------------------------------------------------------ framing

    /**
     * The one place a DATA header is written, into the batch or into a stream's chunk (behind a
     * message an encoder wrote: {@link #frameEncoded}).
     */
    private static void dataHeader(ByteBuf dst, int streamId, int flags, int length) {
        FrameWriter.writeDataHeader(dst, streamId, flags, length);
    }

    /** Whether a message of {@code length} bytes is copied when queued (and pre-framed) rather than referenced. */
    static boolean copiesWhenQueued(int length) {
        return length <= COPY_THRESHOLD;
    }

    /**
     * Writes the header of a whole message an encoder wrote at {@code at + HEADER_LENGTH} (see
     * {@link #encode}), in front of it, and moves {@code dst}'s writer index past the message.
     */
    static void frameEncoded(ByteBuf dst, int at, int streamId, int length) {
        FrameWriter.setDataHeader(dst, at, streamId, WireFormat.FLAG_END_MESSAGE, length);
        dst.writerIndex(at + WireFormat.HEADER_LENGTH + length);
    }

    /**
     * Frames a whole small message, header and a copy of its readable bytes, into {@code chunk}
     * without moving the message's indices; {@link OutboundQueue} later writes such frames in runs.
     */
    static void preFrame(ByteBuf chunk, int streamId, ByteBuf message, int length) {
        dataHeader(chunk, streamId, WireFormat.FLAG_END_MESSAGE, length);
        chunk.writeBytes(message, message.readerIndex(), length);
    }

    /** Writes a DATA frame carrying the next {@code length} readable bytes of {@code payload}, advancing it. */
    void data(int streamId, int flags, ByteBuf payload, int length) {
        if (length <= COPY_THRESHOLD) {
            dataHeader(room(WireFormat.HEADER_LENGTH + length), streamId, flags, length);
            batch.writeBytes(payload, length);
        } else {
            // The slice first: a payload that cannot be sliced leaves no header without its payload behind.
            ByteBuf slice = payload.readRetainedSlice(length);
            dataHeader(room(WireFormat.HEADER_LENGTH), streamId, flags, length);
            handOver();
            ctx.write(slice, ctx.voidPromise());
        }
    }

    /**
     * Writes {@code length} bytes of complete, already encoded frames: copied when short, else as a
     * slice of {@code src}, whose bytes in that range must then stay unchanged until written.
     */
    void frames(ByteBuf src, int index, int length) {
        if (length <= COPY_THRESHOLD) {
            room(length).writeBytes(src, index, length);
        } else {
            handOverPending();
            dirty = true;
            ctx.write(src.retainedSlice(index, length), ctx.voidPromise());
        }
    }

    void open(int streamId, int maxMessageSize, String networkId) {
        FrameWriter.writeOpen(room(WireFormat.HEADER_LENGTH + WireFormat.OPEN_FIXED_LENGTH + networkId.length()),
                streamId, maxMessageSize, networkId);
    }

    void accept(int streamId, int maxMessageSize) {
        FrameWriter.writeAccept(room(WireFormat.HEADER_LENGTH + WireFormat.ACCEPT_PAYLOAD_LENGTH), streamId,
                maxMessageSize);
    }

    void reset(int streamId, ErrorCode code, ByteBuf detail) {
        int detailLength = detail == null ? 0 : detail.readableBytes();
        FrameWriter.writeReset(room(WireFormat.HEADER_LENGTH + WireFormat.RESET_FIXED_LENGTH + detailLength),
                streamId, code, detail);
    }

    void windowUpdate(int streamId, int increment) {
        FrameWriter.writeWindowUpdate(room(WireFormat.HEADER_LENGTH + WireFormat.WINDOW_UPDATE_PAYLOAD_LENGTH),
                streamId, increment);
    }

    void ping(boolean ack, long opaque) {
        FrameWriter.writePing(room(WireFormat.HEADER_LENGTH + WireFormat.PING_PAYLOAD_LENGTH), ack, opaque);
    }

    void goAway(int lastStreamId, ErrorCode code, String reason) {
        FrameWriter.writeGoAway(room(WireFormat.HEADER_LENGTH + WireFormat.GO_AWAY_FIXED_LENGTH
                + WireFormat.MAX_GO_AWAY_REASON_LENGTH), lastStreamId, code, reason);
    }

    void settings(Settings settings) {
        FrameWriter.writeSettings(room(WireFormat.HEADER_LENGTH + settings.encodedLength()), settings);
    }

    void maxStreams(int maxStreams) {
        FrameWriter.writeMaxStreams(room(WireFormat.HEADER_LENGTH + WireFormat.MAX_STREAMS_PAYLOAD_LENGTH),
                maxStreams);
    }

    // ------------------------------------------------------------------ the batch buffer

    /** The batch, with room for {@code bytes} more (a new one if the current is short of it). */
    ByteBuf room(int bytes) {
        assert !encoding() : "a frame written while an encoder holds the batch";
        if (batch != null && batch.writableBytes() < bytes) {
            handOverPending();
            if (batch != null) { // EmbeddedChannel runs pending tasks inside a write: a pass may have flushed it
                batch.release(); // the slices handed over keep their part alive
                batch = null;
            }
        }
        if (batch == null) {
            batch = ctx.alloc().directBuffer(Math.max(BATCH_SIZE, bytes));
        }
        dirty = true;
        return batch;
    }

    /**
     * Writes the filled part of the batch to the channel as a slice. The reader index moves before
     * the write: a write can re-enter this class (writability events run handlers synchronously) and
     * must never hand over the same bytes twice.
     */
    private void handOver() {
        ctx.write(batch.readRetainedSlice(batch.readableBytes()), ctx.voidPromise());
    }

    private void handOverPending() {
        if (batch != null && batch.isReadable()) {
            handOver();
        }
    }

    /** Whether a batch buffer is held (only between the first frame of a pass and its flush). */
    boolean holdsBuffer() {
        return batch != null;
    }

    /** Bytes produced but not yet handed to the channel. */
    int pendingBytes() {
        return batch == null ? 0 : batch.readableBytes();
    }

    boolean writeScheduled() {
        return writeScheduled;
    }

    boolean reading() {
        return reading;
    }

    /** Hands everything to the channel and flushes once. */
    void flush() {
        handOverPending();
        if (batch != null) {
            batch.release(); // the slices handed over keep their part alive until written
            batch = null;
        }
        if (dirty) {
            dirty = false;
            ctx.flush();
        }
    }

    /** Drops whatever was not handed over; for a channel that is gone. */
    void discard() {
        if (batch != null) {
            batch.release();
            batch = null;
        }
        dirty = false;
    }
}
