package io.chainmux.broker;

import java.util.concurrent.atomic.LongAdder;

/**
 * Messages and payload bytes one network moved, in each direction, and how often its streams found
 * the peer not reading (send window used up with data queued); updated from any thread.
 */
public final class NetworkTraffic {
    private final LongAdder messagesIn = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder messagesOut = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder sendBlocked = new LongAdder();

    void received(int bytes) {
        messagesIn.increment();
        bytesIn.add(bytes);
    }

    void sent(int bytes) {
        messagesOut.increment();
        bytesOut.add(bytes);
    }

    void sendBlocked() {
        sendBlocked.increment();
    }

    /** Times one of this network's streams had data queued but no send window left. */
    public long sendBlockedCount() {
        return sendBlocked.sum();
    }

    public long messagesIn() {
        return messagesIn.sum();
    }

    public long bytesIn() {
        return bytesIn.sum();
    }

    public long messagesOut() {
        return messagesOut.sum();
    }

    public long bytesOut() {
        return bytesOut.sum();
    }
}
