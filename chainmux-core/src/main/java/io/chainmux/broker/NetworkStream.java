package io.chainmux.broker;

import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.mux.ClosedException;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;

/**
 * One logical P2P connection: a {@link SessionContext} over one {@link MuxStream}.
 *
 * <p>Receiving: messages wait in an inbox until the session calls {@link #receive()}; flow-control
 * credit for a message is returned when the session takes it, so a session that does not read stops
 * its peer (backpressure). Sending: {@link #send} hands the message to the stream at once when it has
 * room, otherwise queues it and completes when {@code onWritable} lets it through.
 *
 * <p>Threading: stream events arrive on the event loop, which only updates the state below (under
 * this object's monitor, never blocking) and schedules {@link #pump()} on the network's serial
 * executor; every future a session sees completes there. On a reset or lost connection every
 * message still held here is released and every waiting future fails with a
 * {@link SessionClosedException}: nothing is lost silently.
 */
public final class NetworkStream implements SessionContext, StreamListener, Runnable {
    private static final Logger log = LoggerFactory.getLogger(NetworkStream.class);
    private static final CompletionStage<Void> SENT = CompletableFuture.completedStage(null);
    private static final CloseReason PEER_FIN = CloseReason.remote(ErrorCode.NO_ERROR, "the peer closed its side", null);
    private static final CloseReason FINISHED = CloseReason.local(ErrorCode.NO_ERROR, "the session has finished");

    private static final int CLOSE_REPORTED = 1;
    private static final int SENDABLE = 1 << 1;
    private static final int REMOTE_CLOSED = 1 << 2;
    private static final int FINISH_CALLED = 1 << 3;
    private static final int FIN_SENT = 1 << 4;
    private static final int PUMP_SCHEDULED = 1 << 5;

    private final Registration registration;
    private final PeerId peer;
    private final boolean outbound;
    private volatile MuxStream stream;
    /** A message has arrived from the peer (a responder uses it to cut peers that never ask). */
    private volatile boolean received;

    // ---- guarded by this
    /** The oldest unread message; the ones after it wait in {@link #overflow}. */
    private ByteBuf unread1;
    /** A {@link #receive(BiConsumer)} waiting; the pump calls it. Never set together with a receive future. */
    private BiConsumer<? super ByteBuf, ? super Throwable> handler;
    /**
     * Unread messages beyond the oldest, waiting sends, a receive future, the close future and the
     * close reason: made by the first connection that needs one of them, then kept; and an outbound
     * connection's open future, until the open is decided (then the overflow goes with it unless it
     * holds something else). Futures and queues exist only while someone needs them: idle connections
     * need none (8,000 of them on a node of 1000 networks).
     */
    private StreamOverflow overflow;
    /**
     * The flags below, in one byte (six booleans cost a stream 8 bytes more, 8,000 idle ones per node):
     * {@link #CLOSE_REPORTED} the pump has reported the close (a {@link #closeFuture()} asked for later
     * is born complete); {@link #SENDABLE} the stream accepts trySend (at once for outbound, after the
     * accept reached the loop for inbound); {@link #REMOTE_CLOSED}, {@link #FINISH_CALLED},
     * {@link #FIN_SENT}, {@link #PUMP_SCHEDULED}.
     */
    private byte flags;

    NetworkStream(Registration registration, PeerId peer, boolean outbound, MuxStream stream) {
        this.registration = registration;
        this.peer = peer;
        this.outbound = outbound;
        this.stream = stream;
        this.flags = (byte) (outbound ? SENDABLE : 0);
        if (outbound) {
            overflow().opened = new CompletableFuture<>();
        }
    }

    void bind(MuxStream s) {
        this.stream = s;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        MuxStream st = stream;
        Channel ch = st == null ? null : st.connection().channel();
        return ch != null && ch.remoteAddress() instanceof InetSocketAddress a ? a : null;
    }

    @Override
    public PeerId peer() {
        return peer;
    }

    @Override
    public NetworkId network() {
        return registration.network();
    }

    @Override
    public Executor executor() {
        return registration.executor();
    }

    /** The handler the stream's network registered with the broker (what runs its sessions). */
    public NetworkHandler networkHandler() {
        return registration.handler();
    }

    /** Whether the peer has sent at least one message (complete or not yet taken) on this connection. */
    public boolean hasReceived() {
        return received;
    }

    /** Whether this node opened the connection. */
    public boolean isOutbound() {
        return outbound;
    }

    /** Completes (on the network's executor) with the stream's close reason once it has ended. */
    public CompletableFuture<CloseReason> closeFuture() {
        synchronized (this) {
            StreamOverflow o = overflow();
            if (o.closed == null) {
                o.closed = is(CLOSE_REPORTED) ? CompletableFuture.completedFuture(o.closeReason) : new CompletableFuture<>();
            }
            return o.closed;
        }
    }

    /** Completes on the network's executor when the peer accepted (outbound) or fails with the refusal. */
    CompletableFuture<NetworkStream> openedFuture() {
        CompletableFuture<NetworkStream> o = opened();
        if (o == null) {
            throw new IllegalStateException("not an outbound connection, or its open was decided and forgotten");
        }
        return o;
    }

    /** The broker has read the open's outcome: the future is not needed any more. */
    synchronized void openDecided() {
        if (overflow != null) {
            overflow.opened = null;
            if (overflow.isEmpty()) {
                overflow = null;
            }
        }
    }

    /** The open future (outbound, until decided), or null. */
    private synchronized CompletableFuture<NetworkStream> opened() {
        return overflow == null ? null : overflow.opened;
    }

    /** Under the monitor: why the stream ended, once {@link #onClosed} said so; else null. */
    private CloseReason closeReason() {
        return overflow == null ? null : overflow.closeReason;
    }

    // ------------------------------------------------------------------ session side

    @Override
    public CompletionStage<Void> send(ByteBuf message) {
        Objects.requireNonNull(message, "message");
        if (message.refCnt() == 0) {
            throw new IllegalArgumentException("message sent on " + this + " was already released");
        }
        synchronized (this) {
            if (is(FINISH_CALLED) || is(FIN_SENT) || closeReason() != null) {
                message.release();
                return CompletableFuture.failedStage(new SessionClosedException(closeReason() != null ? closeReason() : FINISHED));
            }
            if (is(SENDABLE) && noneWaiting()) {
                try {
                    int length = message.readableBytes();
                    if (stream.trySend(message)) {
                        registration.traffic().sent(length);
                        return SENT;
                    }
                } catch (ClosedException e) { // trySend took the message, as when it throws at all
                    return CompletableFuture.failedStage(new SessionClosedException(e.reason()));
                } catch (RuntimeException e) { // message too large
                    return CompletableFuture.failedStage(e);
                }
            }
            return overflow().wait(message, this);
        }
    }

    @Override
    public CompletionStage<ByteBuf> receive() {
        ByteBuf m;
        synchronized (this) {
            if (receiving()) {
                return CompletableFuture.failedStage(receivingAlready());
            }
            m = pollUnread();
            if (m == null) {
                if (is(FINISH_CALLED)) {
                    return CompletableFuture.failedStage(new SessionClosedException(FINISHED));
                }
                if (closeReason() != null || is(REMOTE_CLOSED)) {
                    return CompletableFuture.failedStage(closedException());
                }
                CompletableFuture<ByteBuf> r = new CompletableFuture<>();
                overflow().receiver = r;
                return r;
            }
        }
        stream.consumed(m.readableBytes());
        return CompletableFuture.completedFuture(m);
    }

    /**
     * Waits for the next message as a callback: the pump (on the network's executor) hands it over,
     * or the failure {@link #receive()} would complete with.
     */
    @Override
    public void receive(BiConsumer<? super ByteBuf, ? super Throwable> handler) {
        Objects.requireNonNull(handler, "handler");
        synchronized (this) {
            if (!receiving()) {
                this.handler = handler;
                handler = null;
            }
        }
        if (handler != null) {
            BiConsumer<? super ByteBuf, ? super Throwable> h = handler;
            IllegalStateException e = receivingAlready();
            runOnExecutor(() -> h.accept(null, e), () -> h.accept(null, e));
            return;
        }
        schedulePump();
    }

    /** Under the monitor: a receive is waiting. */
    private boolean receiving() {
        return handler != null || overflow != null && overflow.receiver != null;
    }

    /** Under the monitor: the overflow, made on first use. */
    private StreamOverflow overflow() {
        if (overflow == null) {
            overflow = new StreamOverflow();
        }
        return overflow;
    }

    /** Under the monitor: takes the waiting receive future, if any. */
    private CompletableFuture<ByteBuf> takeReceiver() {
        CompletableFuture<ByteBuf> r = overflow == null ? null : overflow.receiver;
        if (r != null) {
            overflow.receiver = null;
        }
        return r;
    }

    private IllegalStateException receivingAlready() {
        return new IllegalStateException("receive() called again before the previous receive completed on " + this);
    }

    /**
     * The session is done with the connection: unread messages are dropped (their credit returned),
     * waiting sends still go out, then FIN. A peer that does not close its side within the broker's
     * close grace gets a CANCEL reset.
     */
    public void finish() {
        List<ByteBuf> unread;
        CompletableFuture<ByteBuf> r;
        synchronized (this) {
            if (is(FINISH_CALLED)) {
                return;
            }
            set(FINISH_CALLED);
            unread = drainInbox();
            r = takeReceiver();
        }
        StreamOverflow.releaseUnread(unread, stream);
        if (r != null) {
            r.completeExceptionally(new SessionClosedException(FINISHED));
        }
        schedulePump();
        if (!closeReported()) {
            ConnectionBroker broker = registration.broker();
            broker.schedule(broker.config().closeGrace(), () -> {
                MuxStream st = stream;
                if (!closeReported() && st != null) {
                    st.reset(ErrorCode.CANCEL);
                }
            });
        }
    }

    /**
     * Ends the connection at once with a RESET; whatever is queued either way is dropped. Unread
     * messages are released here: after a close the peer called clean (a RESET with NO_ERROR) they
     * stay readable, and no reset of ours would reach {@link #onClosed} again to release them.
     *
     * @throws IllegalArgumentException if {@code code} never goes on the wire (such as CONNECTION_LOST)
     */
    public void abort(ErrorCode code) {
        if (code == null || !code.onWire()) { // checked before anything changes, like MuxStream.reset
            throw new IllegalArgumentException(code + " is not a code a RESET can carry");
        }
        List<ByteBuf> unread;
        synchronized (this) {
            set(FINISH_CALLED);
            unread = drainInbox();
        }
        StreamOverflow.releaseUnread(unread, stream);
        MuxStream s = stream;
        if (s != null) {
            s.reset(code);
        }
    }

    /** Messages received and not yet taken by {@link #receive()}. */
    synchronized int unread() {
        return (unread1 == null ? 0 : 1) + (overflow == null ? 0 : overflow.unreadCount());
    }

    /** Under the monitor. */
    private boolean is(int flag) {
        return (flags & flag) != 0;
    }

    /** Under the monitor. */
    private void set(int flag) {
        flags |= (byte) flag;
    }

    /** Under the monitor. */
    private void clear(int flag) {
        flags &= (byte) ~flag;
    }

    private synchronized boolean closeReported() {
        return is(CLOSE_REPORTED);
    }

    /** Under the monitor. */
    private boolean noneWaiting() {
        return overflow == null || overflow.noneWaiting();
    }

    /** Under the monitor. */
    private void addUnread(ByteBuf m) {
        if (unread1 == null) {
            unread1 = m; // the overflow holds none whenever unread1 is null
        } else {
            overflow().addUnread(m);
        }
    }

    /** Under the monitor. */
    private ByteBuf pollUnread() {
        ByteBuf m = unread1;
        if (m != null) {
            unread1 = overflow == null ? null : overflow.pollUnread();
        }
        return m;
    }

    // ------------------------------------------------------------------ stream events (event loop)

    void acceptedOnLoop() {
        synchronized (this) {
            set(SENDABLE);
        }
        schedulePump();
    }

    @Override
    public void onAccepted(MuxStream s) {
        runOnExecutor(() -> {
            CompletableFuture<NetworkStream> o = opened();
            if (o != null) {
                o.complete(this);
            }
        }, () -> s.reset(ErrorCode.CANCEL));
    }

    @Override
    public void onMessage(MuxStream s, ByteBuf message) {
        registration.traffic().received(message.readableBytes());
        received = true;
        boolean wake;
        synchronized (this) {
            if (!is(FINISH_CALLED) && closeReason() == null) {
                addUnread(message);
                wake = receiving();
                message = null;
            } else {
                wake = false;
            }
        }
        if (message != null) { // nobody will read it: drop it, but keep the connection's credit flowing
            int length = message.readableBytes();
            message.release();
            s.consumed(length);
        } else if (wake) {
            schedulePump();
        }
    }

    @Override
    public void onRemoteClosed(MuxStream s) {
        boolean wake;
        synchronized (this) {
            set(REMOTE_CLOSED);
            wake = receiving();
        }
        if (wake) {
            schedulePump();
        }
    }

    @Override
    public void onWritable(MuxStream s) {
        schedulePump();
    }

    @Override
    public void onSendBlocked(MuxStream s) {
        registration.traffic().sendBlocked();
    }

    @Override
    public void onClosed(MuxStream s, CloseReason reason) {
        List<ByteBuf> dropped;
        synchronized (this) {
            overflow().closeReason = reason; // a connection that ends makes its overflow, if it had none
            // After a clean close what arrived is still readable; after a failure it is released now,
            // on the loop, so nothing is held even if the executor no longer runs.
            dropped = reason.isNormal() ? List.of() : drainInbox();
            if (overflow != null) {
                overflow.releaseWaiting(); // their futures fail in the pump
            }
        }
        for (ByteBuf m : dropped) {
            m.release();
        }
        registration.broker().closed(this);
        schedulePump();
    }

    // ------------------------------------------------------------------ the pump (network executor)

    private void schedulePump() {
        synchronized (this) {
            if (is(PUMP_SCHEDULED)) {
                return;
            }
            set(PUMP_SCHEDULED);
        }
        runOnExecutor(this, this); // the executor is gone (shutdown): fail the futures right here
    }

    private void runOnExecutor(Runnable task, Runnable ifRejected) {
        try {
            registration.executor().execute(task);
        } catch (RejectedExecutionException e) {
            ifRejected.run();
        }
    }

    /**
     * The pump: the connection is its own pump task (no lambda per connection: 8,000 idle ones per
     * node). Not for applications: the connection schedules it on its network's executor itself.
     */
    @Override
    public void run() {
        pump();
    }

    /** Moves sends along, delivers a message to a waiting receive, and reports the close. */
    private void pump() {
        List<CompletableFuture<Void>> sent = null;
        List<StreamOverflow.PendingSend> failed = null;
        RuntimeException sendError = null;
        CompletableFuture<ByteBuf> r = null;
        BiConsumer<? super ByteBuf, ? super Throwable> h = null;
        boolean hFinished = false;
        ByteBuf message = null;
        boolean fin = false;
        CloseReason ended;
        MuxStream s = stream;
        synchronized (this) {
            clear(PUMP_SCHEDULED);
            ended = closeReason();
            while (!noneWaiting() && (is(SENDABLE) || ended != null)) {
                StreamOverflow.PendingSend p = overflow.peekWaiting();
                boolean ok;
                if (ended != null) {
                    ok = false;
                } else {
                    try {
                        int length = p.message().readableBytes();
                        ok = s.trySend(p.message());
                        if (!ok) {
                            break; // onWritable follows
                        }
                        registration.traffic().sent(length);
                    } catch (RuntimeException e) { // trySend took (and released) the message
                        sendError = e instanceof ClosedException c ? new SessionClosedException(c.reason()) : e;
                        ok = false;
                    }
                }
                overflow.pollWaiting();
                if (ok) {
                    (sent == null ? sent = new ArrayList<>() : sent).add(p.done());
                } else {
                    (failed == null ? failed = new ArrayList<>() : failed).add(p);
                }
            }
            if (is(FINISH_CALLED) && !is(FIN_SENT) && noneWaiting() && ended == null && is(SENDABLE)) {
                set(FIN_SENT);
                fin = true;
            }
            if (overflow != null && overflow.receiver != null) {
                message = pollUnread();
                if (message != null || ended != null || is(REMOTE_CLOSED)) {
                    r = takeReceiver();
                }
            } else if (handler != null) {
                message = pollUnread();
                if (message != null || ended != null || is(REMOTE_CLOSED) || is(FINISH_CALLED)) {
                    h = handler;
                    handler = null;
                    hFinished = message == null && ended == null && !is(REMOTE_CLOSED);
                }
            }
        }
        StreamOverflow.completeSends(sent, failed, ended, sendError);
        if (fin) {
            s.close();
        }
        if (r != null) {
            if (message != null) {
                s.consumed(message.readableBytes());
                if (!r.complete(message)) {
                    message.release();
                }
            } else {
                r.completeExceptionally(closedException());
            }
        }
        if (h != null) {
            if (message != null) {
                s.consumed(message.readableBytes());
            }
            Throwable failure = message != null ? null
                    : hFinished ? new SessionClosedException(FINISHED) : closedException();
            try {
                h.accept(message, failure);
            } catch (RuntimeException e) { // as a future's dependent stage would, it ends only itself
                log.warn("receive handler of {} failed", this, e);
            }
        }
        if (ended != null) {
            CompletableFuture<NetworkStream> o = opened();
            if (o != null) {
                o.completeExceptionally(new SessionClosedException(ended));
            }
            CompletableFuture<CloseReason> c;
            synchronized (this) {
                set(CLOSE_REPORTED);
                c = overflow == null ? null : overflow.closed;
            }
            if (c != null) {
                c.complete(ended);
            }
        }
    }

    private synchronized SessionClosedException closedException() {
        return new SessionClosedException(closeReason() != null ? closeReason() : PEER_FIN);
    }

    /** Under the monitor: takes every unread message. */
    private List<ByteBuf> drainInbox() {
        ByteBuf first = unread1;
        unread1 = null;
        return first == null ? List.of() : StreamOverflow.drain(first, overflow);
    }

    @Override
    public String toString() {
        return "NetworkStream{" + network() + (outbound ? " to " : " from ") + peer.shortForm() + "}";
    }
}
