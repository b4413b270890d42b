package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;

/**
 * One bidirectional, message-oriented logical connection inside a {@link MuxSession}.
 *
 * <p>Sending: {@link #trySend(ByteBuf)} queues a whole message, or refuses it when the stream's or
 * the session's send buffer is full (then {@link StreamListener#onWritable} follows once there is
 * room again). The buffer is never unbounded. Receiving: messages arrive whole and in order at
 * {@link StreamListener#onMessage}; call {@link #consumed(int)} once a message is processed so the
 * peer may send more. Every stream ends with exactly one {@link StreamListener#onClosed}.
 *
 * <p>Inside the mux layer the stream owns its state machine ({@link StreamState}): the
 * transitions are the package-private methods below ({@code openSent}, {@code acceptReceived},
 * {@code acceptSent}, {@code finWasSent}, {@code finWasReceived}, {@code closed}), and so are the
 * calls to its listener, each contained by {@link MuxSession#contain}.
 *
 * <p>Thread safety: the public methods may be called from any thread. State is owned by the
 * session's event loop; calls from other threads are handed over to it (sends through a bounded
 * lock-free queue, credit through atomic counters, one wake-up task per burst). Package-private
 * methods are loop only unless they say otherwise.
 */
public final class MuxStream {
    private static final VarHandle CONSUMED;
    private static final VarHandle CONSUMED_MESSAGES;
    private static final VarHandle WAKE;
    private static final VarHandle WATCHING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            CONSUMED = l.findVarHandle(MuxStream.class, "consumedFromOtherThreads", long.class);
            CONSUMED_MESSAGES = l.findVarHandle(MuxStream.class, "consumedMessagesFromOtherThreads", int.class);
            WAKE = l.findVarHandle(MuxStream.class, "wakeScheduled", int.class);
            WATCHING = l.findVarHandle(MuxStream.class, "watching", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Messages up to this size are copied when queued; larger ones are kept by reference and sliced. */
    public static final int COPY_THRESHOLD = OutboundWriter.COPY_THRESHOLD;

    final MuxSession session;
    /** The session's parts a send touches, held here so the hot path reaches them in one load. */
    private final OutboundWriter writer;
    private final SendBudget sendBudget;
    final boolean locallyInitiated;
    final String networkId;
    final WriteScheduler.Node<MuxStream> node;
    /** Outbound messages, produced by any thread, consumed by the event loop. */
    final OutboundQueue outbound;
    private final Runnable wakeTask;

    private volatile int id;
    private volatile StreamState state;
    private volatile CloseReason closeReason;
    volatile boolean finRequested;
    private volatile long consumedFromOtherThreads;
    private volatile int consumedMessagesFromOtherThreads;
    private volatile int wakeScheduled;
    private volatile int watching;
    /**
     * Set when a send was refused (or {@link #isWritable} said no): the stream then has room again
     * only once its queue has drained to half the stream send buffer, and the loop reports that with
     * {@code onWritable}. The gap (hysteresis, like Netty's water marks) lets a sender write a good
     * batch per wake-up instead of one message per refusal.
     */
    volatile boolean refused;

    // ---- event-loop confined state ----
    StreamListener listener;
    /** Largest message the peer accepts on this stream. */
    int peerMaxMessageSize;
    /** Largest message we accept on this stream. */
    int localMaxMessageSize;
    long sendWindow;
    ReceiveWindow receiveWindow;
    final InboundCredit credit = new InboundCredit();
    boolean finSent;
    boolean finReceived;
    /** Fragments of a message not yet complete. */
    ByteBuf assembling;
    /** Messages that arrived before the application accepted the stream. */
    ArrayDeque<ByteBuf> backlog;
    boolean terminated;
    /** A send-blocked watcher set aside while the session buffer is full (see {@link SendFlowControl}). */
    boolean parked;
    /** Its receive window wants to grow but the growth share is used up (counted in {@link ReceiveFlowControl}). */
    boolean wantsGrowth;
    /** Owed stream credit the receive budget held back (queued in {@link ReceiveFlowControl}). */
    boolean creditStarved;
    /** The last write pass found its send window exhausted with data queued; cleared by WINDOW_UPDATE. */
    volatile boolean sendBlocked;
    /** Counted in the session's load (set before the stream reaches the loop, cleared when it ends). */
    boolean countedInLoad;
    /** When the peer opened this stream (loop ticker); a RESET soon after is premature (rapid reset). */
    long openedNanos;

    MuxStream(MuxSession session, boolean locallyInitiated, String networkId, int weight, int queueCapacity) {
        this.session = session;
        this.locallyInitiated = locallyInitiated;
        this.networkId = networkId;
        this.node = new WriteScheduler.Node<>(this, weight);
        this.wakeTask = session.contained(Containment.STREAM_WAKE, this::wakeOnLoop);
        this.writer = session.writer;
        this.sendBudget = session.sendFlow.budget();
        this.outbound = new OutboundQueue(queueCapacity, sendBudget, session.alloc());
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


    /** Why the stream closed, or null while it is open. */
    public CloseReason closeReason() {
        return closeReason;
    }


    public int weight() {
        return node.weight();
    }

    /**
     * Whether the stream has data queued but no send window left: the peer's application is not
     * reading it (fast enough). Racy off the event loop; for monitoring.
     */
    public boolean isSendBlocked() {
        return sendBlocked;
    }

    /** Outbound bytes queued and not yet written. */
    public long queuedBytes() {
        return outbound.queuedBytes();
    }

    /**
     * Whether {@link #trySend} would accept a message now (racy when other threads send too). A false
     * answer, like a refused send, arms {@link StreamListener#onWritable}.
     */
    public boolean isWritable() {
        if (!state.canSend() || finRequested) {
            return false;
        }
        if (hasRoom()) {
            return true;
        }
        return refused();
    }

    /**
     * Room in the stream's and the session's send buffers; no side effects. A full session buffer
     * is most likely full of streams whose peers stopped reading: a stream that still flows (not
     * {@link #isSendBlocked() send-blocked}) keeps {@link SendFlowControl#FLOWING_ALLOWANCE} of its
     * own, so they cannot stop it.
     */
    boolean hasRoom() {
        long queued = outbound.queuedBytes();
        int limit = session.config.streamSendBuffer();
        if (sendBudget.isFull()) {
            if (sendBlocked) {
                return false;
            }
            limit = Math.min(limit, SendFlowControl.FLOWING_ALLOWANCE);
        }
        return refused ? queued <= limit / 2 : queued < limit;
    }

    /**
     * Queues one whole message for sending. On true the stream owns {@code message} and will release
     * it; on false (send buffer full) the caller still owns it and should wait for
     * {@link StreamListener#onWritable}. Small messages are copied at once, so a caller may carve
     * them from a shared buffer with {@code retainedSlice}.
     *
     * @throws MessageTooLargeException if the message exceeds what the peer accepts on this stream
     * @throws IllegalStateException    if the stream is closed or half-closed by us
     */
    public boolean trySend(ByteBuf message) {
        return offer(message, true);
    }

    /**
     * Like {@link #trySend}, but copies the readable bytes of {@code message} and never takes
     * ownership, nor moves its indices: the caller can reuse one buffer for every message. From the
     * event loop a small message costs no allocation at all.
     */
    public boolean trySendCopy(ByteBuf message) {
        return offer(message, false);
    }

    private boolean offer(ByteBuf message, boolean owned) {
        int length = message.readableBytes();
        int limit = peerMaxMessageSizeForSend();
        if (length > limit) {
            throw new MessageTooLargeException(this, length, limit);
        }
        if (finRequested || !state.canSend()) {
            throw new IllegalStateException("stream " + describe() + " cannot send: "
                    + (closeReason != null ? "closed, " + closeReason : "half-closed by us"));
        }
        if (!hasRoom()) {
            return refused();
        }
        if (session.inEventLoop()) {
            if (writer.tryWriteNow(this, message, length)) {
                if (owned) {
                    message.release();
                }
            } else {
                outbound.offerFromLoop(message, owned, id);
                writer.onStreamReady(this);
            }
            return true;
        }
        ByteBuf handed = owned ? message
                : session.alloc().buffer(length).writeBytes(message, message.readerIndex(), length);
        if (!outbound.offerFromOtherThread(handed)) {
            if (!owned) {
                handed.release();
            }
            return refused();
        }
        wake();
        return true;
    }

    private boolean refused() {
        refused = true;
        session.sendFlow.watch(this);
        return false;
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
        session.runOnLoop(() -> session.registry.reset(this, code, detail, "reset by application"));
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
        session.runOnLoop(() -> session.registry.accept(this, listener, maxMessageSize));
    }

    /** Refuses an inbound stream with a refusal code and an optional detail (e.g. alternative peers). */
    public void refuse(ErrorCode code, byte[] detail) {
        if (!code.isRefusal()) {
            throw new IllegalArgumentException(code + " is not a refusal code");
        }
        session.runOnLoop(() -> session.registry.reset(this, code, detail, "refused"));
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
            session.receiveFlow.onConsumed(this, length + 1L, 1);
        } else {
            CONSUMED.getAndAdd(this, length + 1L);
            CONSUMED_MESSAGES.getAndAdd(this, 1);
            wake();
        }
    }

    public void setWeight(int weight) {
        session.runOnLoop(() -> node.setWeight(weight));
    }

    /** Hands the stream to the event loop after another thread queued work for it. */
    private void wake() {
        if (session.inEventLoop()) {
            writer.onStreamReady(this);
        } else if (WAKE.compareAndSet(this, 0, 1)) {
            session.execute(wakeTask);
        }
    }

    private void wakeOnLoop() {
        wakeScheduled = 0;
        int messages = (int) CONSUMED_MESSAGES.getAndSet(this, 0);
        if (messages > 0) {
            long consumed = (long) CONSUMED.getAndSet(this, 0L);
            session.receiveFlow.onConsumed(this, consumed, messages);
        }
        writer.onStreamReady(this);
    }

    /** True for the one caller that starts watching writability; false while already watched. */
    boolean startWatching() {
        return WATCHING.compareAndSet(this, 0, 1);
    }

    void stopWatching() {
        watching = 0;
    }

    // ---- state transitions (loop only); the registry and the writer act on what they return ----

    /** Our OPEN goes out with {@code id}: NEW -> OPENING. */
    void openSent(int id) {
        this.id = id;
        state = StreamState.OPENING;
    }

    /** The peer's ACCEPT of our open: OPENING -> OPEN, or HALF_CLOSED_LOCAL if our FIN went out already. */
    void acceptReceived(int peerMaxMessageSize) {
        this.peerMaxMessageSize = peerMaxMessageSize;
        state = finSent ? StreamState.HALF_CLOSED_LOCAL : StreamState.OPEN;
    }

    /** Our ACCEPT of the peer's open: PENDING_ACCEPT -> OPEN, or HALF_CLOSED_REMOTE if its FIN came already. */
    void acceptSent() {
        state = finReceived ? StreamState.HALF_CLOSED_REMOTE : StreamState.OPEN;
    }

    /**
     * Our FIN went out: OPEN -> HALF_CLOSED_LOCAL.
     *
     * @return true when the peer's FIN came first: both directions are done, terminate the stream
     */
    boolean finWasSent() {
        finSent = true;
        if (finReceived) {
            return true;
        }
        if (state == StreamState.OPEN) {
            state = StreamState.HALF_CLOSED_LOCAL;
        }
        return false;
    }

    /**
     * The peer's FIN arrived: OPEN -> HALF_CLOSED_REMOTE (the listener hears {@code onRemoteClosed});
     * a stream still waiting for our accept hears it after the accept.
     *
     * @return true when our FIN went out first: both directions are done, terminate the stream
     */
    boolean finWasReceived() {
        finReceived = true;
        switch (state) {
            case OPEN -> {
                state = StreamState.HALF_CLOSED_REMOTE;
                notifyRemoteClosed();
                return false;
            }
            case HALF_CLOSED_LOCAL -> {
                return true;
            }
            default -> {
                return false; // PENDING_ACCEPT: reported after accept
            }
        }
    }

    /**
     * The stream ends: any state -> CLOSED. Only {@link StreamRegistry#terminate} calls this.
     *
     * @return the state it was in
     */
    StreamState closed(CloseReason reason) {
        terminated = true;
        closeReason = reason;
        StreamState before = state;
        state = StreamState.CLOSED;
        return before;
    }

    // ---- listener calls (loop only); a listener's failure is contained ----

    /** Hands a whole message to the listener, or to the backlog while the stream is not accepted yet. */
    void dispatch(ByteBuf message) {
        if (listener == null) {
            if (backlog == null) {
                backlog = new ArrayDeque<>();
            }
            backlog.add(message);
            return;
        }
        try {
            listener.onMessage(this, message);
        } catch (RuntimeException e) {
            session.contain(Containment.ON_MESSAGE, this, e);
        }
    }

    void notifyAccepted() {
        try {
            listener.onAccepted(this);
        } catch (RuntimeException e) {
            session.contain(Containment.ON_ACCEPTED, this, e);
        }
    }

    void notifyRemoteClosed() {
        try {
            listener.onRemoteClosed(this);
        } catch (RuntimeException e) {
            session.contain(Containment.ON_REMOTE_CLOSED, this, e);
        }
    }

    void notifyClosed(CloseReason reason) {
        if (listener == null) {
            return; // an inbound stream nobody accepted yet: accept() reports the close
        }
        try {
            listener.onClosed(this, reason);
        } catch (RuntimeException e) {
            session.contain(Containment.ON_STREAM_CLOSED, this, e);
        }
    }

    /** Tells the listener its send window ran out with data queued. */
    void notifySendBlocked() {
        if (listener == null) {
            return;
        }
        try {
            listener.onSendBlocked(this);
        } catch (RuntimeException e) {
            session.contain(Containment.ON_SEND_BLOCKED, this, e);
        }
    }

    /** Tells the listener there is room to send again. */
    void notifyWritable() {
        try {
            listener.onWritable(this);
        } catch (RuntimeException e) {
            session.contain(Containment.ON_WRITABLE, this, e);
        }
    }

    /** Releases everything queued in either direction; loop only, once the stream is terminal. */
    void releaseBuffers() {
        outbound.releaseAll();
        if (assembling != null) {
            assembling.release();
            assembling = null;
        }
        if (backlog != null) {
            ByteBuf b;
            while ((b = backlog.poll()) != null) {
                b.release();
            }
        }
    }

    /** Window charge (length + 1 each) of messages waiting for an accept; loop only. */
    long backlogCharge() {
        long charge = 0;
        if (backlog != null) {
            for (ByteBuf b : backlog) {
                charge += b.readableBytes() + 1L;
            }
        }
        return charge;
    }

    /** Whether the loop has nothing left to write for this stream. */
    boolean outboundEmpty() {
        return outbound.isEmpty();
    }

    String describe() {
        return (id == 0 ? "(unassigned)" : Integer.toString(id)) + " [" + networkId + "]";
    }

    @Override
    public String toString() {
        return "MuxStream{" + describe() + ", " + state + "}";
    }
}
