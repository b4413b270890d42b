package io.chainmux.mux;

import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;

/**
 * Messages a stream has accepted for sending and not yet written, in order, plus the message
 * currently being cut into frames.
 *
 * <p>Sends from the event loop go into a plain deque: a small message (up to
 * {@link OutboundWriter#COPY_THRESHOLD}) is copied, already framed as a whole DATA frame by
 * {@link OutboundWriter#preFrame}, into a pooled chunk shared with its neighbours, so it costs a
 * memory copy and no object, and a run of such frames later goes onto the wire with one copy; a
 * large message is queued as is and later sliced onto the wire without a copy. The queue decides
 * which bytes go next; {@link OutboundWriter} decides how they are framed and copied. Sends from
 * other threads go into a small bounded deque of their own, under this queue's lock: the first send
 * of a burst creates it and the loop takes it whole, moving its messages into the main deque before
 * the next send from the loop (so a message sent after another is never written before it); when
 * the main deque does not exist, the loop adopts that deque as it is and drops it once written. An
 * idle stream thus holds no deque at all unless the loop queued on it; a lock-free queue per stream
 * cost ~670 bytes for every stream that ever had one. Byte accounting is split the same way, so a send from the event loop costs no atomic
 * operation.
 *
 * <p>It is also the stream's scheduler node and wake-up task ({@link StreamNode}): one object per
 * stream for the send side.
 *
 * <p>Threading: event-loop confined, except {@link #offerFromOtherThread} and {@link #queuedBytes}.
 */
final class OutboundQueue extends StreamNode {
    private static final int CHUNK_SIZE = 8 * 1024;
    /** Slots the deque for other threads' sends starts with (it grows up to its capacity). */
    private static final int FOREIGN_INITIAL = 8;

    private static final VarHandle LOOP_ENQUEUED;
    private static final VarHandle FOREIGN_ENQUEUED;
    private static final VarHandle DEQUEUED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            LOOP_ENQUEUED = l.findVarHandle(OutboundQueue.class, "loopEnqueued", int.class);
            FOREIGN_ENQUEUED = l.findVarHandle(OutboundQueue.class, "foreignEnqueued", int.class);
            DEQUEUED = l.findVarHandle(OutboundQueue.class, "dequeued", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * A pooled buffer of small messages, each framed as a whole DATA frame, with a summary of the
     * unread ones: a run that takes the whole chunk needs no look at its headers (by the time a
     * chunk is written its bytes have usually left the CPU cache, and reading header after header
     * is a chain of cache misses).
     */
    private static final class Chunk {
        final ByteBuf buf;
        /** Unread messages. */
        int messages;
        /** Their payload bytes. */
        int payload;
        /** An upper bound of their lengths. */
        int maxLength;

        Chunk(ByteBuf buf) {
            this.buf = buf;
        }

        void appended(int length) {
            messages++;
            payload += length;
            maxLength = Math.max(maxLength, length);
        }

        void taken(int count, int bytes) {
            messages -= count;
            payload -= bytes;
            if (messages == 0) {
                maxLength = 0;
            }
        }
    }

    /**
     * Messages and chunks in order. Null until the loop queues something, or while it holds an
     * adopted deque of other threads' sends that has been written out (see {@link #adopted}).
     */
    private ArrayDeque<Object> entries;
    /**
     * {@link #entries} is a deque other threads' sends came in: dropped once empty, so a stream that
     * only other threads send on holds no deque at rest (it costs no allocation: that deque was made
     * for the burst anyway). One the loop queued on is kept.
     */
    private boolean adopted;
    /** Chunk small messages are appended to; detached (not in entries) while empty. */
    private Chunk tail;
    private boolean tailQueued;
    /** Source of the message in progress: a chunk's buffer or a whole message; null if none. */
    private ByteBuf current;
    private boolean currentIsChunk;
    private int remaining;
    private int runMessages;
    /*
     * The four below are ints (8,000 idle streams per node). The three totals wrap around, as TCP's
     * sequence numbers do: what they give is their difference, the bytes queued, exact while it stays
     * below 2^31, which the stream send buffer (an int) bounds, give or take the message that crosses it.
     */
    /** Bytes counted in the connection budget and not yet written (at most the bytes queued). */
    private int counted;
    /** Bytes ever queued from the loop, modulo 2^32; written by the loop only. */
    private int loopEnqueued;
    /** Bytes ever queued from other threads, modulo 2^32; atomic. */
    private int foreignEnqueued;
    /** Bytes ever written or dropped, modulo 2^32; written by the loop only. */
    private int dequeued;
    /** Other threads' sends not yet taken in by the loop; null while there are none. Written under the lock. */
    private volatile ArrayDeque<Object> foreign;

    OutboundQueue(MuxStream stream, int weight) {
        super(stream, weight);
    }

    /**
     * The stream's connection: the send budget, allocator and queue capacity are the connection's
     * (looked up there rather than held here: 8,000 idle streams per node).
     */
    private MuxConnection connection() {
        return stream.connection;
    }

    /** Bytes queued and not yet written; any thread (a consistent-enough snapshot). */
    long queuedBytes() {
        return (int) LOOP_ENQUEUED.getAcquire(this) + (int) FOREIGN_ENQUEUED.getAcquire(this)
                - (int) DEQUEUED.getAcquire(this);
    }

    /**
     * Loop only. Queues a message; a small one is copied at once. With {@code owned} the queue takes
     * ownership of {@code message} (releasing it right away when copied); without, it never touches
     * the caller's reference count or indices.
     */
    void offerFromLoop(ByteBuf message, boolean owned, int streamId) {
        drainForeign();
        int length = message.readableBytes();
        if (OutboundWriter.copiesWhenQueued(length) && streamId != 0) {
            Chunk chunk = chunkWithRoom(WireFormat.HEADER_LENGTH + length);
            OutboundWriter.preFrame(chunk.buf, streamId, message, length);
            chunk.appended(length);
            if (owned) {
                message.release();
            }
        } else {
            entriesForLoop().add(owned ? message : connection().alloc().buffer(length).writeBytes(message, message.readerIndex(), length));
        }
        LOOP_ENQUEUED.setRelease(this, loopEnqueued + length);
        count(length);
    }

    /**
     * Loop only, for a stream with its id and {@code maxLength} up to the copy threshold: the encoder
     * writes the message straight into the tail chunk, behind the room for its header (one copy
     * fewer than {@link #offerFromLoop}). If it throws, nothing is queued.
     */
    void offerEncodedFromLoop(OutboundWriter writer, int streamId, int maxLength, MessageEncoder encoder) {
        drainForeign();
        Chunk chunk = chunkWithRoom(WireFormat.HEADER_LENGTH + maxLength);
        ByteBuf b = chunk.buf;
        int at = b.writerIndex();
        int length = writer.encode(b, at + WireFormat.HEADER_LENGTH, maxLength, encoder);
        OutboundWriter.frameEncoded(b, at, streamId, length);
        chunk.appended(length);
        LOOP_ENQUEUED.setRelease(this, loopEnqueued + length);
        count(length);
    }

    private Chunk chunkWithRoom(int bytes) {
        Chunk t = tail;
        if (t != null) {
            if (tailQueued && entries.peekLast() == t && t.buf.writableBytes() >= bytes) {
                return t;
            }
            if (!tailQueued) {
                if (t.buf.capacity() >= bytes) {
                    entriesForLoop().add(t); // empty and detached: reuse it
                    tailQueued = true;
                    return t;
                }
                t.buf.release();
            }
        }
        // A full tail, or one with a large message queued after it, stays queued and is released
        // once drained; new small messages go to a fresh chunk.
        tail = new Chunk(connection().alloc().directBuffer(Math.max(CHUNK_SIZE, bytes)));
        tailQueued = true;
        entriesForLoop().add(tail);
        return tail;
    }

    /** The deque for the loop to add to, made if there is none; an adopted one becomes the loop's. */
    private ArrayDeque<Object> entriesForLoop() {
        ArrayDeque<Object> e = entries;
        if (e == null) {
            e = new ArrayDeque<>(4);
            entries = e;
        }
        adopted = false;
        return e;
    }

    /** The first entry, or null. */
    private Object peekEntry() {
        ArrayDeque<Object> e = entries;
        return e == null ? null : e.peekFirst();
    }

    /** Removes the first entry; an adopted deque left empty is dropped. */
    private void pollEntry() {
        ArrayDeque<Object> e = entries;
        e.pollFirst();
        if (adopted && e.isEmpty()) {
            entries = null;
            adopted = false;
        }
    }

    /**
     * Drops a drained chunk from the head. The tail is kept for reuse unless slices of it are still
     * on their way to the socket (they would see its bytes overwritten).
     */
    private void chunkDrained(Chunk c) {
        pollEntry();
        if (c == tail && c.buf.refCnt() == 1) {
            c.buf.clear();
            tailQueued = false;
            return;
        }
        if (c == tail) {
            tail = null;
            tailQueued = false;
        }
        c.buf.release();
    }

    /** Any thread but the loop; the queue takes ownership on true. False when the queue is full. */
    boolean offerFromOtherThread(ByteBuf message) {
        int length = message.readableBytes();
        int foreignCapacity = connection().config.maxQueuedMessagesPerStream();
        synchronized (this) {
            ArrayDeque<Object> q = foreign;
            if (q == null) {
                q = new ArrayDeque<>(Math.min(FOREIGN_INITIAL, foreignCapacity));
            } else if (q.size() >= foreignCapacity) {
                return false;
            }
            q.add(message);
            FOREIGN_ENQUEUED.getAndAdd(this, length);
            foreign = q;
        }
        return true;
    }

    /** Whether other threads' sends wait for the loop (and so a deque for them exists); any thread. */
    boolean holdsForeign() {
        return foreign != null;
    }

    /** Loop only: whether a message is in progress (some of it may already be written). */
    boolean inProgress() {
        return current != null;
    }

    /**
     * Loop only: starts the next message, unless one is in progress.
     *
     * @return the length of the message in progress, or -1 when there is none
     */
    int next() {
        if (current != null) {
            return remaining;
        }
        drainForeign();
        Object head;
        while ((head = peekEntry()) != null) {
            if (head instanceof Chunk c) {
                if (c.buf.isReadable()) {
                    current = c.buf;
                    currentIsChunk = true;
                    remaining = c.buf.getUnsignedMedium(c.buf.readerIndex());
                    c.buf.skipBytes(WireFormat.HEADER_LENGTH);
                    c.taken(1, remaining);
                    return remaining;
                }
                chunkDrained(c);
            } else {
                pollEntry();
                current = (ByteBuf) head;
                currentIsChunk = false;
                remaining = current.readableBytes();
                return remaining;
            }
        }
        return -1;
    }

    /**
     * Loop only, with no message in progress: if the next entry is a chunk of framed small messages,
     * copies as many whole frames as {@code window} allows (each charges its length + 1) and as fit in
     * {@code maxBytes} of payload (at least one), with one copy. Stops before a message larger than
     * {@code limit}, which the caller then handles one by one.
     *
     * @return payload bytes written, with {@link #runMessages()} messages; -1 if nothing was written
     */
    int writeRun(OutboundWriter out, long window, int maxBytes, int limit) {
        drainForeign();
        Object head;
        while ((head = peekEntry()) instanceof Chunk c && !c.buf.isReadable()) {
            chunkDrained(c); // so a run goes on into the next chunk instead of one frame at a time
        }
        if (!(head instanceof Chunk c) || !c.buf.isReadable()) {
            return -1;
        }
        ByteBuf b = c.buf;
        int start = b.readerIndex();
        int at;
        int payload;
        int messages;
        if (c.maxLength <= limit && c.payload + (long) c.messages <= window && c.payload <= maxBytes) {
            at = b.writerIndex(); // all of it, from the summary
            payload = c.payload;
            messages = c.messages;
        } else {
            int end = b.writerIndex();
            at = start;
            payload = 0;
            messages = 0;
            long charge = 0;
            while (at < end) {
                int length = b.getInt(at) >>> 8; // the 24-bit length field, in one load
                if (length > limit || charge + length + 1 > window
                        || (messages > 0 && payload + length > maxBytes)) {
                    break;
                }
                charge += length + 1;
                payload += length;
                messages++;
                at += WireFormat.HEADER_LENGTH + length;
            }
            if (messages == 0) {
                return -1;
            }
        }
        c.taken(messages, payload);
        out.frames(b, start, at - start);
        b.readerIndex(at);
        runMessages = messages;
        dequeued(payload);
        return payload;
    }

    /** Messages in the last {@link #writeRun}. */
    int runMessages() {
        return runMessages;
    }

    /** Loop only: bytes of the message in progress not yet written. */
    int remaining() {
        return remaining;
    }

    /** Loop only: writes the next {@code length} bytes of the message in progress as one DATA frame. */
    void writeFrame(OutboundWriter out, int streamId, int flags, int length) {
        out.data(streamId, flags, current, length);
        remaining -= length;
        dequeued(length);
        if (remaining == 0) {
            if (!currentIsChunk) {
                releaseCallers(current);
            }
            current = null;
        }
    }

    /**
     * Loop only: whether the message in progress is a caller's buffer released after the stream took
     * it (the caller broke the ownership rule); its bytes can no longer be read.
     */
    boolean currentReleased() {
        return current != null && !currentIsChunk && current.refCnt() == 0;
    }

    /**
     * Loop only: drops the message in progress (it broke a limit, or was released under us); returns
     * its unwritten length.
     */
    int dropCurrent() {
        int dropped = remaining;
        if (currentIsChunk) {
            current.skipBytes(remaining);
        } else {
            releaseCallers(current);
        }
        current = null;
        dequeued(dropped);
        return dropped;
    }

    /** Loop only: whether nothing follows the message in progress. */
    boolean isEmptyAfterCurrent() {
        if (foreign != null) {
            return false;
        }
        if (current != null && currentIsChunk) {
            return current.readableBytes() == remaining && entries.size() == 1;
        }
        return entriesExhausted();
    }

    private boolean entriesExhausted() {
        Object head = peekEntry();
        return head == null || (head instanceof Chunk c && !c.buf.isReadable() && entries.size() == 1);
    }

    boolean isEmpty() {
        if (current != null || foreign != null) {
            return false;
        }
        return entriesExhausted();
    }

    private void dequeued(int bytes) {
        DEQUEUED.setRelease(this, dequeued + bytes);
        count(-bytes);
    }

    private void count(int bytes) {
        counted += bytes;
        SendBudget budget = connection().sendFlow.budget();
        budget.add(bytes);
        if (stream.sendBlocked) {
            budget.addBlocked(bytes);
        }
    }

    /** Loop only: bytes this stream holds in the connection's send budget. */
    int counted() {
        return counted;
    }

    /** Loop only: drops and releases everything, chunks included; the queue stays usable. */
    void releaseAll() {
        drainForeign();
        if (current != null && !currentIsChunk) {
            releaseCallers(current);
        }
        current = null;
        Object e;
        while ((e = peekEntry()) != null) {
            pollEntry();
            if (e instanceof Chunk c) {
                if (c != tail) {
                    c.buf.release();
                }
            } else {
                releaseCallers((ByteBuf) e);
            }
        }
        if (tail != null) {
            tail.buf.release();
            tail = null;
            tailQueued = false;
        }
        DEQUEUED.setRelease(this, (int) LOOP_ENQUEUED.getAcquire(this) + (int) FOREIGN_ENQUEUED.getAcquire(this));
        count(-counted);
    }

    /**
     * Releases a message the stream took from the application, unless the application released it
     * already (breaking the ownership rule; a second release would throw on the loop).
     */
    private static void releaseCallers(ByteBuf message) {
        if (message.refCnt() > 0) {
            message.release();
        }
    }

    private void drainForeign() {
        if (foreign == null) {
            return;
        }
        ArrayDeque<Object> q;
        synchronized (this) {
            q = foreign;
            foreign = null;
        }
        if (entries == null) { // nothing queued by the loop: take the deque as it is
            entries = q;
            adopted = true;
            for (int i = q.size(); i > 0; i--) { // one turn round the deque counts each once, no iterator
                Object m = q.pollFirst();
                count(((ByteBuf) m).readableBytes());
                q.addLast(m);
            }
            return;
        }
        Object m;
        while ((m = q.poll()) != null) {
            entries.add(m);
            count(((ByteBuf) m).readableBytes());
        }
    }
}
