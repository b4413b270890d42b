package io.chainmux.mux;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A stream's place in the write scheduler, and its hand-over to the event loop: the task that hands
 * the stream to the loop after other threads queued work for it ({@link #wake}), and the flags other
 * threads set on the way (a wake-up scheduled, writability watched, sends between their checks and
 * their queue). One object for all, since every idle stream holds them (a task of its own cost two
 * lambdas, 40 bytes per stream). The stream's {@link OutboundQueue} extends it, so the send side is
 * one object too (only the layout is shared).
 */
abstract class StreamNode extends WriteScheduler.Node<MuxStream> implements Runnable {
    private static final VarHandle WAKE;
    private static final VarHandle WATCHING;
    private static final VarHandle OFFERING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WAKE = l.findVarHandle(StreamNode.class, "wakeScheduled", int.class);
            WATCHING = l.findVarHandle(StreamNode.class, "watching", int.class);
            OFFERING = l.findVarHandle(StreamNode.class, "offering", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int wakeScheduled;
    private volatile int watching;
    /**
     * Sends from other threads between their check of {@link MuxStream#finRequested} and their message
     * being in the queue. The loop sends FIN only when none is (see {@link StreamOutbox#finReady}): a
     * send that passed the check before a concurrent {@code close()} and returned true must go out
     * before the FIN.
     */
    private volatile int offering;

    StreamNode(MuxStream stream, int weight) {
        super(stream, weight);
    }

    /**
     * Hands the stream to the event loop after work was queued for it: at once on the loop, else
     * through this task, once per burst. Once the loop has shut down there is nothing to hand over:
     * the stream ended with its connection.
     */
    final void wake() {
        if (onLoopNow()) {
            stream.connection.writer.onStreamReady(stream);
        } else if (WAKE.compareAndSet(this, 0, 1)) {
            stream.connection.execute(this);
        }
    }

    /**
     * On the loop, and free to act there now: not inside a {@link MessageEncoder}, which holds the
     * batch or this stream's chunk (then the work goes through the wake-up task, as from another thread).
     */
    final boolean onLoopNow() {
        MuxConnection c = stream.connection;
        return c.inEventLoop() && !c.writer.encoding();
    }

    /** The wake-up, on the loop; a failure is contained like any other event-loop entry's. */
    @Override
    public void run() {
        try {
            wakeScheduled = 0;
            stream.inbox.takeConsumedFromOtherThreads(stream);
            stream.connection.writer.onStreamReady(stream);
        } catch (RuntimeException e) {
            stream.connection.contain(Containment.STREAM_WAKE, null, e);
        }
    }

    /** True for the one caller that starts watching writability; false while already watched. */
    final boolean startWatching() {
        return WATCHING.compareAndSet(this, 0, 1);
    }

    final void stopWatching() {
        watching = 0;
    }

    /** Any thread but the loop: a send enters ({@code +1}) or leaves ({@code -1}) its check-to-queue window. */
    final void offeringFromOtherThread(int delta) {
        OFFERING.getAndAdd(this, delta);
    }

    /** Whether no send from another thread is between its check and its queue. */
    final boolean noOfferFromOtherThread() {
        return offering == 0;
    }
}
