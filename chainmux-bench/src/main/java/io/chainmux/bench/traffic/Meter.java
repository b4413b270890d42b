package io.chainmux.bench.traffic;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts what the receiver got (whole messages and their payload bytes) and holds the first failure.
 * Receivers add in batches (once per read), the harness reads snapshots. Failures reported after
 * {@link #closing()} are teardown noise and are ignored.
 */
public final class Meter {
    private final LongAdder messages = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closing;

    public void add(long messageCount, long payloadBytes) {
        if (messageCount != 0) {
            messages.add(messageCount);
            bytes.add(payloadBytes);
        }
    }

    public long messages() {
        return messages.sum();
    }

    public long bytes() {
        return bytes.sum();
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
