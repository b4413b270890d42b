package io.chainmux.bench.traffic;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Counts what the receiver got (whole messages and their payload bytes) and holds the first failure.
 * Receivers add in batches (once per read), the harness reads snapshots. Failures reported after
 * {@link #closing()} are teardown noise and are ignored.
 */
public final class Meter {
    private long messages;
    private long bytes;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closing;

    /** Adds a batch; synchronized so a reader never sees messages without their bytes (once per read batch). */
    public synchronized void add(long messageCount, long payloadBytes) {
        messages += messageCount;
        bytes += payloadBytes;
    }

    public synchronized long messages() {
        return messages;
    }

    public synchronized long bytes() {
        return bytes;
    }

    /** Messages and bytes read together: {@code [messages, bytes]}. */
    public synchronized long[] snapshot() {
        return new long[] {messages, bytes};
    }

    /** Records the first failure of the run (later ones are usually consequences). */
    public void fail(Throwable cause) {
        if (!closing) {
            failure.compareAndSet(null, cause);
        }
    }

    public Throwable failure() {
        return failure.get();
    }

    /** From now on errors are expected (connections are being closed) and not recorded. */
    public void closing() {
        closing = true;
    }

    public boolean isClosing() {
        return closing;
    }
}
