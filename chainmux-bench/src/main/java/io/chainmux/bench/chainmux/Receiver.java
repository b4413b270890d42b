package io.chainmux.bench.chainmux;

import io.chainmux.bench.Workload;
import io.chainmux.bench.traffic.Meter;
import io.chainmux.bench.traffic.SequenceChecker;
import io.chainmux.bench.traffic.SequenceException;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.ConnectionListener;
import io.chainmux.mux.LentMessageListener;
import io.netty.buffer.ByteBuf;

import java.io.IOException;

/**
 * Server side: accepts every stream, checks size, stream index and sequence number of each message
 * in the callback, where it is lent ({@link LentMessageListener}: no buffer of its own to release,
 * its credit back when the callback returns), and publishes counts in batches (of 1024 messages or
 * 256 KiB, whichever comes first). Runs on the server event loop.
 */
final class Receiver implements ConnectionListener, LentMessageListener {
    /** Publish counts every so many messages or bytes: a large-message run must not look stalled. */
    private static final int PUBLISH_EVERY = 1024;
    private static final long PUBLISH_BYTES = 256 * 1024;

    private final int messageSize;
    private final Meter meter;
    private final SequenceChecker checker;
    private long pending;

    Receiver(Workload w, Meter meter) {
        this.messageSize = w.messageSize();
        this.meter = meter;
        this.checker = new SequenceChecker(w.streams());
    }

    @Override
    public void onStreamOpened(MuxStream stream) {
        stream.accept(this, messageSize);
    }

    @Override
    public void onLentMessage(MuxStream stream, ByteBuf m) {
        try {
            if (m.readableBytes() != messageSize) {
                throw new SequenceException("message of " + m.readableBytes() + " bytes, expected " + messageSize);
            }
            checker.check(m.getInt(m.readerIndex() + 8), m.getLong(m.readerIndex()));
        } catch (SequenceException e) {
            meter.fail(e);
        }
        if (++pending == PUBLISH_EVERY || pending * messageSize >= PUBLISH_BYTES) {
            meter.add(pending, pending * messageSize);
            pending = 0;
        }
    }

    @Override
    public void onClosed(MuxStream stream, CloseReason reason) {
        meter.fail(new IOException("stream " + stream + " closed before the run ended: " + reason));
    }
}
