package io.chainmux.bench;

import io.chainmux.bench.traffic.Payloads;

/**
 * What a contender sends: messages of {@code messageSize} payload bytes, spread evenly over
 * {@code streams} streams.
 */
public record Workload(int messageSize, int streams) {
    public static final int MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
    public static final int MAX_STREAMS = 10_000;

    public Workload {
        if (messageSize < Payloads.HEADER_LENGTH || messageSize > MAX_MESSAGE_SIZE) {
            throw new IllegalArgumentException("message size must be in [" + Payloads.HEADER_LENGTH + ", "
                    + MAX_MESSAGE_SIZE + "] bytes (it carries a sequence number and a stream index): " + messageSize);
        }
        if (streams < 1 || streams > MAX_STREAMS) {
            throw new IllegalArgumentException("streams must be in [1, " + MAX_STREAMS + "]: " + streams);
        }
    }
}
