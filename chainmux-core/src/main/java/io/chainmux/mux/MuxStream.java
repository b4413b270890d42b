package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;

/**
 * One bidirectional, message-oriented stream inside a {@link MuxConnection}.
 *
 * <p>Sending: {@link #trySend(ByteBuf)} queues a whole message, or refuses it when the stream's or
 * the connection's send buffer is full (then {@link StreamListener#onWritable} follows once there is
 * room again). The buffer is never unbounded. {@link #trySendEncoded} does the same for a message a
 * {@link MessageEncoder} writes straight into room the stream lends it (no buffer of the caller's,
 * no copy). Receiving: messages arrive whole and in order at
 * {@link StreamListener#onMessage}; call {@link #consumed(int)} once a message is processed so the
 * peer may send more. A {@link LentMessageListener} gets them lent for the callback instead, and
 * its credit goes back when the callback returns. Every stream ends with exactly one {@link StreamListener#onClosed}.
 *
 * <p>Failures are scoped (docs/ARCHITECTURE.md, "Failure scope"): a bad argument or a call in a
 * state that does not allow it throws on the caller's thread and changes nothing else; a listener
 * that throws resets only its stream. Buffer ownership follows the one rule stated there: a buffer
 * handed to a send belongs to the stream from the call on, whatever happens, unless
 * {@code trySend} returns false.
 *
 * <p>Inside the mux layer the stream owns its state machine ({@link StreamState}): the
 * transitions are the package-private methods below ({@code openSent}, {@code acceptReceived},
 * {@code acceptSent}, {@code finWasSent}, {@code finWasReceived}, {@code closed}), and so are the
 * calls to its listener, each contained by {@link MuxConnection#contain}. Its two directions have a
 * class each: {@link StreamOutbox} takes a message to send (admission, the fast path, the hand-over
 * from other threads) into the stream's {@link OutboundQueue}, which is also its scheduler node and
 * its hand-over to the loop ({@link StreamNode}); {@link StreamInbox} reassembles and delivers what
 * arrives and takes the application's {@code consumed} calls.
 *
 * <p>Thread safety: the public methods may be called from any thread. State is owned by the
 * connection's event loop; calls from other threads are handed over to it (sends through a small
 * bounded deque per stream, credit through atomic counters, one wake-up task per burst).
 * Package-private methods are loop only unless they say otherwise.
 */
public final class MuxStream {
    /**
     * Messages up to this size are copied when queued on the event loop; larger ones, and every
     * message queued from another thread, are kept by reference and read on the loop.
     */
    public static final int COPY_THRESHOLD = OutboundWriter.COPY_THRESHOLD;

    final MuxConnection connection;
    final boolean locallyInitiated;
    final String networkId;
    /**
     * Outbound messages, produced by any thread, consumed by the event loop; also the stream's place in
     * the write scheduler and its wake-up task (see {@link StreamNode#wake}). The send side up to it (admission,
     * the fast path, the hand-over from other threads) is {@link StreamOutbox}'s.
     */
    final OutboundQueue outbound;

    private volatile int id;
    private volatile StreamState state;
    private volatile CloseReason closeReason;
    volatile boolean finRequested;
    /**
     * Set when a send was refused (or {@link #isWritable} said no): the stream then has room again
     * only once its queue has drained to half the stream send buffer, and the loop reports that with
     * {@code onWritable}. The gap (hysteresis, like Netty's water marks) lets a sender write a good
     * batch per wake-up instead of one message per refusal.
     */
    volatile boolean refused;

    // ---- event-loop confined state ----
    /** Pulled for messages on the stream's turns once its queue is empty ({@link #sendFrom}); null if none. */
    MessageSource source;
    /** Set once, through {@link #listener(StreamListener)}. */
    StreamListener listener;
    /** Largest message the peer accepts on this stream. */
    int peerMaxMessageSize;
    /** Largest message we accept on this stream. */
    int localMaxMessageSize;
    /** An int: the protocol bounds a window to 2^31-1 (above it is a FLOW_CONTROL_ERROR), and no frame takes it below 0. */
    int sendWindow;
    boolean finSent;
    /**
     * The receive side: its credit ({@link InboundCredit}, also the receive window), and past flow
     * control reassembly, the backlog before accept, delivery and consumption; one object for all.
     */
    final StreamInbox inbox = new StreamInbox();
    boolean terminated;
    /** A send-blocked watcher set aside while the connection buffer is full (see {@link SendFlowControl}). */
    boolean parked;
    /** Loop only: its source's next message waits for the connection's send buffer to drain ({@link SendFlowControl#sourceWaits}). */
    boolean sourceWaiting;
    /** The last write pass found its send window exhausted with data queued; cleared by WINDOW_UPDATE. */
    volatile boolean sendBlocked;
    /** When the peer opened this stream (loop ticker); a RESET soon after is premature (rapid reset). */
    long openedNanos;
    /**
     * Flags of the loop (set before the stream reaches it for {@link #COUNTED_IN_LOAD}), in one byte:
     * every idle stream holds them (8,000 per node), and as booleans with the window's reference they
     * cost 8 bytes more. Read and set through the accessors below.
     */
    private byte loopFlags;
    /** The peer's FIN arrived. */
    private static final int FIN_RECEIVED = 1;
    /** Its receive window wants to grow but the growth share is used up (counted in {@link ReceiveFlowControl}). */
    private static final int WANTS_GROWTH = 1 << 1;
    /** Owed stream credit the receive budget held back (queued in {@link ReceiveFlowControl}). */
    private static final int CREDIT_STARVED = 1 << 2;
    /** Counted in the connection's load (set before the stream reaches the loop, cleared when it ends). */
    private static final int COUNTED_IN_LOAD = 1 << 3;
    /** The receive window (its {@link #inbox}) has started: the stream has its id. */
    private static final int WINDOW_STARTED = 1 << 4;
    /** Its listener is a {@link LentMessageListener}: messages are lent, not handed over (set with the listener). */
    private static final int LENDS = 1 << 5;

    MuxStream(MuxConnection connection, boolean locallyInitiated, String networkId, int weight) {
        this.connection = connection;
        this.locallyInitiated = locallyInitiated;
        this.networkId = networkId;
        this.outbound = new OutboundQueue(this, weight);
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

    public MuxConnection connection() {
        return connection;
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
        return outbound.weight();
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
        if (StreamOutbox.hasRoom(this)) {
            return true;
        }
        return StreamOutbox.refuse(this);
    }

    /** Room in the stream's and the connection's send buffers; no side effects (see {@link StreamOutbox#hasRoom}). */
    boolean hasRoom() {
        return StreamOutbox.hasRoom(this);
    }

    /**
     * Queues one whole message for sending. On true the stream owns {@code message} and releases it
     * once written (or when the stream ends); the caller must not touch it, nor its bytes, any more.
     * On false (send buffer full) nothing happened: the caller still owns it and should wait for
     * {@link StreamListener#onWritable}. When it throws, the stream has taken the message and
     * released it, except for an already released one (then nothing is touched).
     *
     * <p>On the event loop a message up to {@link #COPY_THRESHOLD} is copied at once, so its bytes
     * may be reused as soon as this returns; from another thread every message is queued by
     * reference and read later on the loop. A message released by the caller after it was accepted
     * breaks the ownership rule; if the loop finds it released, it resets this stream (only).
     *
     * @throws IllegalArgumentException if {@code message} was already released (reference count 0)
     * @throws MessageTooLargeException if the message exceeds what the peer accepts on this stream
     * @throws ClosedException          if the stream is closed or half-closed by us; its reason says
     *                                  which, and who closed it
     */
    public boolean trySend(ByteBuf message) {
        return StreamOutbox.offer(this, message, true);
    }

    /**
     * Like {@link #trySend}, but copies the readable bytes of {@code message} and never takes
     * ownership, nor moves its indices, whatever the outcome: the caller can reuse one buffer for
     * every message. From the event loop a small message costs no allocation at all.
     */
    public boolean trySendCopy(ByteBuf message) {
        return StreamOutbox.offer(this, message, false);
    }

    /**
     * Sends one message that {@code encoder} writes straight into room the stream lends it (in the
     * batch that goes to the socket, or in the stream's queue), so it is serialized once and never
     * copied on its way out; see {@link MessageEncoder} for what the encoder may do. Same outcomes
     * as {@link #trySend}: true when the message is the stream's to deliver (whole, or the stream
     * reports failure), false when the send buffer is full ({@link StreamListener#onWritable}
     * follows) and nothing was sent. The encoder runs during the call, at most once, and only when
     * the message is taken, except off the event loop, where a full hand-over queue may refuse it
     * after it ran. Off the loop it writes into a buffer of its own that is handed to the loop.
     *
     * @param maxLength the most bytes the encoder may write; checked against the peer's limit
     * @throws IllegalArgumentException if {@code encoder} is null or {@code maxLength} negative
     * @throws MessageTooLargeException if {@code maxLength} exceeds what the peer accepts on this stream
     * @throws ClosedException          if the stream is closed or half-closed by us
     * @throws IllegalStateException    if called from inside an encoder of this connection, or the
     *                                  encoder retained or released the buffer (off the loop)
     * @throws IndexOutOfBoundsException if the encoder writes more than {@code maxLength} bytes
     *                                  (and whatever else the encoder throws: nothing is sent)
     */
    public boolean trySendEncoded(int maxLength, MessageEncoder encoder) {
        return StreamOutbox.offerEncoded(this, maxLength, encoder);
    }

    /**
     * Lets the connection pull this stream's messages from {@code source} (see {@link MessageSource})
     * on the stream's turns in the write pass, after what {@code trySend} queued before, within the
     * stream's window, each encoded straight into the buffer that goes to the socket: for a sender
     * that always has more (a sync, a stream of blocks). A message that fits one frame within a new
     * stream's window is neither queued nor refused, and there is no {@code onWritable} to wait for;
     * a larger one waits in the queue like an offered one, within the send buffers. Pulled until the
     * source returns {@link MessageSource#NONE}, then again after {@link #sourceReady}. {@code null}
     * detaches it; {@link #close()} stops the pulls. Any thread; takes effect on the event loop.
     *
     * @throws ClosedException if the stream is closed or half-closed by us
     */
    public void sendFrom(MessageSource source) {
        StreamOutbox.sendFrom(this, source);
    }

    /**
     * The stream's {@link MessageSource} has messages again after it returned
     * {@link MessageSource#NONE}: the stream takes its turn in the next write pass. Any thread; does
     * nothing without a source or once the stream has ended.
     */
    public void sourceReady() {
        outbound.wake();
    }

    /** Loop only: whether the FIN may go out once the queue is empty (see {@link StreamOutbox#finReady}). */
    boolean finReady() {
        return StreamOutbox.finReady(this);
    }

    /**
     * Half-closes our direction: queued messages are still sent, then FIN. Idempotent. The stream
     * ends (normally) once the peer half-closes too.
     */
    public void close() {
        if (!finRequested) {
            finRequested = true;
            outbound.wake();
        }
    }

    /**
     * Aborts both directions at once; queued and unread messages are dropped. Does nothing once the
     * stream has ended.
     *
     * @throws IllegalArgumentException if {@code code} never goes on the wire (such as CONNECTION_LOST)
     */
    public void reset(ErrorCode code) {
        reset(code, null);
    }

    /**
     * Aborts with a code and an optional detail for the peer (at most 1000 bytes). Does nothing once
     * the stream has ended.
     *
     * @throws IllegalArgumentException if {@code code} never goes on the wire, or the detail is too long
     */
    public void reset(ErrorCode code, byte[] detail) {
        StreamRegistry.checkResetCode(code, detail);
        connection.runOnLoop(() -> connection.registry.reset(this, code, detail, "reset by application"));
    }

    /**
     * Accepts an inbound stream. Messages that arrived meanwhile are delivered to {@code listener}
     * right away. If the peer gave up on the stream in the meantime, {@code listener} gets
     * {@code onClosed} instead.
     *
     * @param maxMessageSize largest message we accept on this stream (capped by the connection's limit)
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
        if (!connection.runOnLoop(() -> connection.registry.accept(this, listener, maxMessageSize))) {
            throw new ClosedException("stream " + describe() + " cannot be accepted", MuxConnection.LOOP_GONE);
        }
    }

    /**
     * Refuses an inbound stream with a refusal code and an optional detail (e.g. alternative peers,
     * at most 1000 bytes). Does nothing once the stream has ended.
     *
     * @throws IllegalArgumentException if {@code code} is not a refusal code, or the detail is too long
     * @throws IllegalStateException    if the stream was opened by us
     */
    public void refuse(ErrorCode code, byte[] detail) {
        StreamRegistry.checkResetCode(code, detail);
        if (!code.isRefusal()) {
            throw new IllegalArgumentException(code + " is not a refusal code");
        }
        if (locallyInitiated) {
            throw new IllegalStateException("stream " + describe() + " was opened by us; only inbound streams are refused");
        }
        connection.runOnLoop(() -> connection.registry.reset(this, code, detail, "refused"));
    }

    /**
     * Returns flow-control credit for one received message of {@code length} bytes once the
     * application has processed it. Call once per message, with its length; cheap and safe from any
     * thread.
     *
     * @throws IllegalArgumentException if this would return more than was delivered and not yet
     *         consumed (a second call for one message, a wrong length, no message delivered, or a
     *         stream whose {@link LentMessageListener}'s messages count as consumed on their own);
     *         the stream's credit is left unchanged
     */
    public void consumed(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("consumed length must be >= 0, was " + length);
        }
        if (inbox.consumed(this, length + 1L, outbound.onLoopNow())) {
            outbound.wake();
        }
    }

    /**
     * Makes the stream urgent, or ordinary again: an urgent stream's frames go out before any ordinary
     * stream's, whatever their weights (for latency-sensitive networks' small messages; an urgent
     * stream that sends bulk holds back every other stream of its connection). Takes effect the next
     * time the stream has something to send.
     */
    public void setUrgent(boolean urgent) {
        connection.runOnLoop(() -> outbound.urgent = urgent);
    }

    /**
     * Sets the stream's scheduling weight.
     *
     * @throws IllegalArgumentException if {@code weight} is not in [1, 256]
     */
    public void setWeight(int weight) {
        WriteScheduler.Node.checkWeight(weight);
        connection.runOnLoop(() -> outbound.setWeight(weight));
    }

    // ---- the loop's flags (see loopFlags) ----

    private boolean flag(int f) {
        return (loopFlags & f) != 0;
    }

    private void flag(int f, boolean on) {
        loopFlags = (byte) (on ? loopFlags | f : loopFlags & ~f);
    }

    boolean finReceived() {
        return flag(FIN_RECEIVED);
    }

    private void finReceived(boolean on) {
        flag(FIN_RECEIVED, on);
    }

    boolean wantsGrowth() {
        return flag(WANTS_GROWTH);
    }

    void wantsGrowth(boolean on) {
        flag(WANTS_GROWTH, on);
    }

    boolean creditStarved() {
        return flag(CREDIT_STARVED);
    }

    void creditStarved(boolean on) {
        flag(CREDIT_STARVED, on);
    }

    boolean countedInLoad() {
        return flag(COUNTED_IN_LOAD);
    }

    void countedInLoad(boolean on) {
        flag(COUNTED_IN_LOAD, on);
    }

    /**
     * Sets the listener, once (before the stream reaches the loop, or on it), and with it how
     * messages are delivered: lent to a {@link LentMessageListener}, handed over to any other.
     */
    void listener(StreamListener l) {
        listener = l;
        flag(LENDS, l instanceof LentMessageListener);
    }

    /** Whether messages are lent to the listener ({@link LentMessageListener}); false while there is none. */
    boolean lends() {
        return flag(LENDS);
    }

    /** The stream's receive window: its {@link #inbox} (an {@link InboundCredit}) once the stream has its id, null before. */
    ReceiveWindow receiveWindow() {
        return flag(WINDOW_STARTED) ? inbox : null;
    }

    /** The receive window has been started ({@link ReceiveWindow#start}): {@link #receiveWindow()} returns it from now on. */
    void startReceiveWindow() {
        flag(WINDOW_STARTED, true);
    }

    // ---- state transitions (loop only); the registry and the writer act on what they return ----

    /** Our OPEN goes out with {@code id}: NEW -> OPENING. */
    void openSent(int id) {
        assert connection.inEventLoop();
        this.id = id;
        state = StreamState.OPENING;
    }

    /** The peer's ACCEPT of our open: OPENING -> OPEN, or HALF_CLOSED_LOCAL if our FIN went out already. */
    void acceptReceived(int peerMaxMessageSize) {
        assert connection.inEventLoop();
        this.peerMaxMessageSize = peerMaxMessageSize;
        state = finSent ? StreamState.HALF_CLOSED_LOCAL : StreamState.OPEN;
    }

    /** Our ACCEPT of the peer's open: PENDING_ACCEPT -> OPEN, or HALF_CLOSED_REMOTE if its FIN came already. */
    void acceptSent() {
        assert connection.inEventLoop();
        state = finReceived() ? StreamState.HALF_CLOSED_REMOTE : StreamState.OPEN;
    }

    /**
     * Our FIN went out: OPEN -> HALF_CLOSED_LOCAL.
     *
     * @return true when the peer's FIN came first: both directions are done, terminate the stream
     */
    boolean finWasSent() {
        assert connection.inEventLoop();
        finSent = true;
        if (finReceived()) {
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
        assert connection.inEventLoop();
        finReceived(true);
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
        assert connection.inEventLoop();
        terminated = true;
        closeReason = reason;
        StreamState before = state;
        state = StreamState.CLOSED;
        return before;
    }

    // ---- listener calls (loop only); a listener's failure is contained ----

    void notifyAccepted() {
        try {
            listener.onAccepted(this);
        } catch (RuntimeException e) {
            connection.contain(Containment.ON_ACCEPTED, this, e);
        }
    }

    void notifyRemoteClosed() {
        try {
            listener.onRemoteClosed(this);
        } catch (RuntimeException e) {
            connection.contain(Containment.ON_REMOTE_CLOSED, this, e);
        }
    }

    void notifyClosed(CloseReason reason) {
        if (listener == null) {
            return; // an inbound stream nobody accepted yet: accept() reports the close
        }
        try {
            listener.onClosed(this, reason);
        } catch (RuntimeException e) {
            connection.contain(Containment.ON_STREAM_CLOSED, this, e);
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
            connection.contain(Containment.ON_SEND_BLOCKED, this, e);
        }
    }

    /** Tells the listener there is room to send again, and brings a source's stream back to the schedule. */
    void notifyWritable() {
        if (source != null) {
            connection.writer.onStreamReady(this); // its next message waits for room in the send buffers
        }
        try {
            listener.onWritable(this);
        } catch (RuntimeException e) {
            connection.contain(Containment.ON_WRITABLE, this, e);
        }
    }

    /** Releases everything queued in either direction; loop only, once the stream is terminal. */
    void releaseBuffers() {
        assert connection.inEventLoop();
        source = null;
        outbound.releaseAll();
        inbox.releaseAll();
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
