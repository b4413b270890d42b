package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.PlatformDependent;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * One bidirectional, message-oriented logical connection inside a {@link MuxSession}.
 *
 * <p>Sending: {@link #trySend(ByteBuf)} queues a whole message, or refuses it when the stream's or
 * the session's send buffer is full (then {@link StreamListener#onWritable} follows once there is
 * room again). The buffer is never unbounded. Receiving: messages arrive whole and in order at
 * {@link StreamListener#onMessage}; call {@link #consumed(int)} once a message is processed so the
 * peer may send more. Every stream ends with exactly one {@link StreamListener#onClosed}.
 *
 * <p>Thread safety: the public methods may be called from any thread. State is owned by the
 * session's event loop; calls from other threads are handed over to it.
 */
public final class MuxStream {
    private static final AtomicLongFieldUpdater<MuxStream> QUEUED =
            AtomicLongFieldUpdater.newUpdater(MuxStream.class, "queuedBytes");
    private static final AtomicLongFieldUpdater<MuxStream> CONSUMED =
            AtomicLongFieldUpdater.newUpdater(MuxStream.class, "consumedFromOtherThreads");
    private static final AtomicIntegerFieldUpdater<MuxStream> CONSUMED_MESSAGES =
            AtomicIntegerFieldUpdater.newUpdater(MuxStream.class, "consumedMessagesFromOtherThreads");
    private static final AtomicIntegerFieldUpdater<MuxStream> WAKE =
            AtomicIntegerFieldUpdater.newUpdater(MuxStream.class, "wakeScheduled");
    private static final AtomicIntegerFieldUpdater<MuxStream> WATCHING =
            AtomicIntegerFieldUpdater.newUpdater(MuxStream.class, "watching");

    final MuxSession session;
    final boolean locallyInitiated;
    final String networkId;
    final WriteScheduler.Node<MuxStream> node;
    /** Outbound messages, produced by any thread, consumed by the event loop. */
    final Queue<ByteBuf> outbound;
    private final Runnable wakeTask = this::wakeOnLoop;

    private volatile int id;
    private volatile StreamState state;
    private volatile CloseReason closeReason;
    volatile boolean finRequested;
    private volatile long queuedBytes;
    private volatile long consumedFromOtherThreads;
    private volatile int consumedMessagesFromOtherThreads;
    private volatile int wakeScheduled;
    private volatile int watching;
    /** Set when a trySend was refused, so the loop reports writability coming back. */
    volatile boolean wantsWritable;

    // ---- event-loop confined state ----
    StreamListener listener;
    /** Largest message the peer accepts on this stream. */
    int peerMaxMessageSize;
    /** Largest message we accept on this stream. */
    int localMaxMessageSize;
    long sendWindow;
    ReceiveWindow receiveWindow;
    final InboundCredit credit = new InboundCredit();
    /** The message being fragmented onto the wire. */
    ByteBuf current;
    boolean finSent;
    boolean finReceived;
    /** Fragments of a message not yet complete. */
    ByteBuf assembling;
    /** Messages that arrived before the application accepted the stream. */
    ArrayDeque<ByteBuf> backlog;
    boolean terminated;

    MuxStream(MuxSession session, boolean locallyInitiated, String networkId, int weight, int queueCapacity) {
        this.session = session;
        this.locallyInitiated = locallyInitiated;
        this.networkId = networkId;
        this.node = new WriteScheduler.Node<>(this, weight);
        this.outbound = PlatformDependent.newMpscQueue(Math.min(64, queueCapacity), queueCapacity);
        this.state = locallyInitiated ? StreamState.NEW : StreamState.PENDING_ACCEPT;
    }

    /** The stream id; 0 until a locally opened stream got its id from the peer's credit. */
    public int id() {
        return id;
    }

    void id(int id) {
        this.id = id;
    }

    public String networkId() {
        return networkId;
    }

    public MuxSession session() {
        return session;
    }

    public boolean isLocallyInitiated() {
        return locallyInitiated;
    }

    public StreamState state() {
        return state;
    }

    void state(StreamState s) {
        this.state = s;
    }

    /** Why the stream closed, or null while it is open. */
    public CloseReason closeReason() {
        return closeReason;
    }

    void closeReason(CloseReason r) {
        this.closeReason = r;
    }

    public int weight() {
        return node.weight();
    }

    /** Outbound bytes queued and not yet written. */
    public long queuedBytes() {
        return queuedBytes;
    }

    /** Whether {@link #trySend} would accept a message now (racy when other threads send too). */
    public boolean isWritable() {
        return queuedBytes < session.config.streamSendBuffer() && session.hasSendBufferRoom()
                && state.canSend() && !finRequested;
    }

    /**
     * Queues one whole message for sending. On true the stream owns {@code message} and will release
     * it; on false (send buffer full) the caller still owns it and should wait for
     * {@link StreamListener#onWritable}.
     *
     * @throws MessageTooLargeException if the message exceeds what the peer accepts on this stream
     * @throws IllegalStateException    if the stream is closed or half-closed by us
     */
    public boolean trySend(ByteBuf message) {
        int length = message.readableBytes();
        int limit = peerMaxMessageSizeForSend();
        if (length > limit) {
            throw new MessageTooLargeException(this, length, limit);
        }
        if (finRequested || !state.canSend()) {
            throw new IllegalStateException("stream " + describe() + " cannot send: "
                    + (closeReason != null ? "closed, " + closeReason : "half-closed by us"));
        }
        if (queuedBytes >= session.config.streamSendBuffer() || !session.hasSendBufferRoom()) {
            wantsWritable = true;
            session.watchWritability(this);
            return false;
        }
        QUEUED.addAndGet(this, length);
        session.addQueued(length);
        if (!outbound.offer(message)) {
            QUEUED.addAndGet(this, -length);
            session.addQueued(-length);
            wantsWritable = true;
            session.watchWritability(this);
            return false;
        }
        wake();
        return true;
    }

    private int peerMaxMessageSizeForSend() {
        int p = peerMaxMessageSize;
        return p > 0 ? p : session.peerMaxMessageSize();
    }

    /**
     * Half-closes our direction: queued messages are still sent, then FIN. Idempotent. The stream
     * ends (normally) once the peer half-closes too.
     */
    public void close() {
        if (!finRequested) {
            finRequested = true;
            wake();
        }
    }

    /** Aborts both directions at once; queued and unread messages are dropped. */
    public void reset(ErrorCode code) {
        reset(code, null);
    }

    /** Aborts with a code and an optional detail for the peer (at most 1000 bytes). */
    public void reset(ErrorCode code, byte[] detail) {
        session.runOnLoop(() -> session.resetStream(this, code, detail, "reset by application"));
    }

    /**
     * Accepts an inbound stream. Messages that arrived meanwhile are delivered to {@code listener}
     * right away. If the peer gave up on the stream in the meantime, {@code listener} gets
     * {@code onClosed} instead.
     *
     * @param maxMessageSize largest message we accept on this stream (capped by the session's limit)
     */
    public void accept(StreamListener listener, int maxMessageSize) {
        if (listener == null) {
            throw new IllegalArgumentException("listener is required");
        }
        if (maxMessageSize < 1) {
            throw new IllegalArgumentException("maxMessageSize must be >= 1, was " + maxMessageSize);
        }
        if (locallyInitiated) {
            throw new IllegalStateException("stream " + describe() + " was opened by us; only inbound streams are accepted");
        }
        session.runOnLoop(() -> session.acceptStream(this, listener, maxMessageSize));
    }

    /** Refuses an inbound stream with a refusal code and an optional detail (e.g. alternative peers). */
    public void refuse(ErrorCode code, byte[] detail) {
        if (!code.isRefusal()) {
            throw new IllegalArgumentException(code + " is not a refusal code");
        }
        session.runOnLoop(() -> session.resetStream(this, code, detail, "refused"));
    }

    /**
     * Returns flow-control credit for one received message of {@code length} bytes once the
     * application has processed it. Call once per message, with its length; cheap and safe from any
     * thread.
     */
    public void consumed(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("consumed length must be >= 0, was " + length);
        }
        if (session.inEventLoop()) {
            session.onConsumed(this, length + 1L, 1);
        } else {
            CONSUMED.addAndGet(this, length + 1L);
            CONSUMED_MESSAGES.incrementAndGet(this);
            wake();
        }
    }

    public void setWeight(int weight) {
        session.runOnLoop(() -> node.setWeight(weight));
    }

    /** Hands the stream to the event loop after another thread queued work for it. */
    private void wake() {
        if (session.inEventLoop()) {
            wakeOnLoop();
        } else if (WAKE.compareAndSet(this, 0, 1)) {
            session.execute(wakeTask);
        }
    }

    private void wakeOnLoop() {
        wakeScheduled = 0;
        int messages = CONSUMED_MESSAGES.getAndSet(this, 0);
        long consumed = CONSUMED.getAndAdd(this, 0);
        if (messages > 0) {
            CONSUMED.addAndGet(this, -consumed);
            session.onConsumed(this, consumed, messages);
        }
        session.onStreamReady(this);
    }

    /** True for the one caller that starts watching writability; false while already watched. */
    boolean startWatching() {
        return WATCHING.compareAndSet(this, 0, 1);
    }

    void stopWatching() {
        watching = 0;
    }

    /** Called by the loop as bytes leave the queue. */
    void dequeued(int bytes) {
        QUEUED.addAndGet(this, -bytes);
        session.addQueued(-bytes);
    }

    /** Releases everything queued in either direction; loop only, once the stream is terminal. */
    void releaseBuffers() {
        if (current != null) {
            dequeued(current.readableBytes());
            ReferenceCountUtil.safeRelease(current);
            current = null;
        }
        ByteBuf b;
        while ((b = outbound.poll()) != null) {
            dequeued(b.readableBytes());
            ReferenceCountUtil.safeRelease(b);
        }
        if (assembling != null) {
            assembling.release();
            assembling = null;
        }
        if (backlog != null) {
            while ((b = backlog.poll()) != null) {
                b.release();
            }
        }
    }

    /** Whether the loop has nothing left to write for this stream. */
    boolean outboundEmpty() {
        return current == null && outbound.isEmpty();
    }

    String describe() {
        return (id == 0 ? "(unassigned)" : Integer.toString(id)) + " [" + networkId + "]";
    }

    @Override
    public String toString() {
        return "MuxStream{" + describe() + ", " + state + "}";
    }
}
