package io.chainmux.mux;

/**
 * A stream's place in the write scheduler, and also the task that hands the stream to the event loop
 * after other threads queued work for it ({@link MuxStream#wake}): one object for both, since every
 * idle stream holds them (a task of its own cost two lambdas, 40 bytes per stream). The stream's
 * {@link OutboundQueue} extends it, so the send side is one object too (only the layout is shared).
 */
abstract class StreamNode extends WriteScheduler.Node<MuxStream> implements Runnable {
    StreamNode(MuxStream stream, int weight) {
        super(stream, weight);
    }

    /** The wake-up, on the loop; a failure is contained like any other event-loop entry's. */
    @Override
    public void run() {
        try {
            stream.wakeOnLoop();
        } catch (RuntimeException e) {
            stream.connection.contain(Containment.STREAM_WAKE, null, e);
        }
    }
}
