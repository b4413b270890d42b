package io.chainmux.mux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;

/**
 * A stream's receive side once flow control has charged the DATA: the message being reassembled
 * from fragments, the messages held back until the application accepts the stream, the hand-over
 * of whole messages to the listener (handed over, or lent to a {@link LentMessageListener}), and
 * the application's {@link MuxStream#consumed} calls on the way back (checked by the {@link ConsumptionGuard} it extends, one object fewer per stream; from other threads summed in atomic counters the
 * loop takes in one go). What credit is due stays with {@link ReceiveFlowControl}.
 *
 * <p>Loop only, except {@link #consumed}.
 */
final class StreamInbox extends ConsumptionGuard {
    /** A tick of {@link #assemblyStartTicks}: 2^20 ns. */
    private static final int TICK_SHIFT = 20;
    private static final VarHandle CONSUMED;
    private static final VarHandle CONSUMED_MESSAGES;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            CONSUMED = l.findVarHandle(StreamInbox.class, "consumedFromOtherThreads", int.class);
            CONSUMED_MESSAGES = l.findVarHandle(StreamInbox.class, "consumedMessagesFromOtherThreads", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Charge consumed on other threads since the loop last took it, as an unsigned int: within what is owed (see {@link ConsumptionGuard}). */
    private volatile int consumedFromOtherThreads;
    private volatile int consumedMessagesFromOtherThreads;

    // ---- event-loop confined ----
    /** Fragments of a message not yet complete. */
    private ByteBuf assembling;
    /**
     * When the first fragment of {@link #assembling} arrived: the message's deadline runs from it. In
     * ticks of 2^20 ns (~1 ms) of the loop ticker, an int that wraps around every 52 days (8,000 idle
     * streams per node: a long took the receive side 8 bytes over its size class).
     */
    private int assemblyStartTicks;
    /** Messages that arrived before the application accepted the stream. */
    private ArrayDeque<ByteBuf> backlog;

    // ---- reassembly ----

    /** Whether a fragmented message is in progress. */
    boolean isAssembling() {
        return assembling != null;
    }

    /** Bytes of the message in progress, 0 when none is. */
    int assemblingBytes() {
        return assembling == null ? 0 : assembling.readableBytes();
    }

    /**
     * When the message in progress started (loop ticker, to ~1 ms), given the ticker's {@code now};
     * meaningful only while {@link #isAssembling}.
     */
    long assemblyStartNanos(long now) {
        return now - (Integer.toUnsignedLong((int) (now >> TICK_SHIFT) - assemblyStartTicks) << TICK_SHIFT);
    }

    /**
     * Appends {@code length} bytes of {@code payload} to the message in progress, starting one at
     * {@code now} if none is: sized for {@code expectedLength} (the last message reassembled on the
     * connection: bulk transfers repeat their message size, and a buffer that grows copies what it
     * holds again), but at least twice the fragment and at most four times it (a peer cannot make us
     * hold much more than the reassembly budget counts), capped at {@code maxMessageSize}.
     */
    void append(ByteBuf payload, int length, long now, ByteBufAllocator alloc, int maxMessageSize, int expectedLength) {
        if (assembling == null) {
            assemblyStartTicks = (int) (now >> TICK_SHIFT);
            int first = Math.max(length, 128);
            int capacity = (int) Math.min(Math.max(2L * first, Math.min(expectedLength, 4L * first)), maxMessageSize);
            assembling = alloc.buffer(capacity, maxMessageSize);
        }
        assembling.writeBytes(payload, length);
    }

    /** The message in progress, now whole; the inbox no longer holds it. */
    ByteBuf takeAssembled() {
        ByteBuf m = assembling;
        assembling = null;
        return m;
    }

    // ---- delivery ----

    /**
     * Hands a whole message of {@code stream} (this inbox's), which the caller owned, to the listener,
     * or to the backlog while the stream is not accepted yet. A {@link LentMessageListener} gets it
     * lent, and it is released once the call returns.
     */
    void dispatch(MuxStream stream, ByteBuf message) {
        assert stream.connection.inEventLoop();
        StreamListener listener = stream.listener;
        if (listener == null) {
            if (backlog == null) {
                backlog = new ArrayDeque<>();
            }
            backlog.add(message);
            return;
        }
        if (stream.lends()) {
            try {
                lend(stream, message, message.readerIndex(), message.readableBytes());
            } finally {
                message.release();
            }
            return;
        }
        delivered(message.readableBytes() + 1L);
        try {
            listener.onMessage(stream, message);
        } catch (RuntimeException e) {
            stream.connection.contain(Containment.ON_MESSAGE, stream, e);
        }
    }

    /**
     * Lends the whole message of {@code length} bytes at {@code index} in {@code buffer} to the
     * stream's {@link LentMessageListener}, for the call only, then returns its charge (length + 1) as
     * consumed, as {@link MuxStream#consumed} on the loop would, without the {@link ConsumptionGuard}:
     * nothing was handed over that a call could consume twice. A listener that throws is contained
     * like {@code onMessage} (its stream is reset, which settles the charge). The connection's one
     * buffer serves every message; a listener that makes a message arrive inside its callback (an
     * accept that delivers a backlog) gets a buffer of its own for it.
     */
    void lend(MuxStream stream, ByteBuf buffer, int index, int length) {
        MuxConnection connection = stream.connection;
        LentBuffer lent = connection.lentMessage;
        if (lent.isLent()) {
            lent = new LentBuffer(true);
        }
        RuntimeException failure = null;
        try {
            ((LentMessageListener) stream.listener).onLentMessage(stream, lent.lendMessage(buffer, index, length));
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            lent.end();
        }
        if (failure != null) {
            connection.contain(Containment.ON_MESSAGE, stream, failure);
        }
        connection.receiveFlow.onConsumed(stream, length + 1L, 1);
    }

    /** Whether messages arrived before the accept (they wait in the backlog until it). */
    boolean hasBacklog() {
        return backlog != null;
    }

    /** The stream was accepted: the messages that waited go to its listener, in order, until it ends. */
    void deliverBacklog(MuxStream stream) {
        ByteBuf m;
        while (!stream.terminated && (m = backlog.poll()) != null) {
            dispatch(stream, m);
        }
    }

    // ---- consumption ----

    /**
     * The application processed a message of charge {@code charge} (length + 1); any thread.
     *
     * @return true when it was counted for the loop to take ({@link #takeConsumedFromOtherThreads}):
     *         the caller must wake the loop; false when the loop took it at once
     * @throws IllegalArgumentException if more than was delivered and not yet consumed
     */
    boolean consumed(MuxStream stream, long charge, boolean onLoop) {
        take(charge, onLoop, stream); // refuses a call that would return more than was delivered
        if (onLoop) {
            stream.connection.receiveFlow.onConsumed(stream, charge, 1);
            return false;
        }
        CONSUMED.getAndAdd(this, (int) charge);
        CONSUMED_MESSAGES.getAndAdd(this, 1);
        return true;
    }

    /** Loop only: returns the credit other threads' consumed() calls left since the last take. */
    void takeConsumedFromOtherThreads(MuxStream stream) {
        int messages = (int) CONSUMED_MESSAGES.getAndSet(this, 0);
        if (messages > 0) {
            long consumed = Integer.toUnsignedLong((int) CONSUMED.getAndSet(this, 0));
            stream.connection.receiveFlow.onConsumed(stream, consumed, messages);
        }
    }

    /** Releases the message in progress and the backlog; once the stream is terminal. */
    void releaseAll() {
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
}
