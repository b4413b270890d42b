package io.chainmux.bench.traffic;

import io.netty.buffer.ByteBuf;

/**
 * The sender's position: streams {@code first .. first+count-1} in round robin, each with its own
 * sequence number, so messages spread evenly over the streams. Confined to the sending event loop.
 */
public final class SendCursor {
    private final int firstStream;
    private final int messageSize;
    private final long[] seqs;
    private int next;

    public SendCursor(int firstStream, int streamCount, int messageSize) {
        if (streamCount < 1 || firstStream < 0) {
            throw new IllegalArgumentException("streams " + firstStream + "+" + streamCount);
        }
        if (messageSize < Payloads.HEADER_LENGTH) {
            throw new IllegalArgumentException("message size must be >= " + Payloads.HEADER_LENGTH + ": " + messageSize);
        }
        this.firstStream = firstStream;
        this.messageSize = messageSize;
        this.seqs = new long[streamCount];
    }

    /** Bytes one length-prefixed message takes on the wire. */
    public int framedLength() {
        return Payloads.LENGTH_PREFIX + messageSize;
    }

    /**
     * Appends as many length-prefixed messages as fit in {@code maxBytes} (at least one) and returns
     * how many it wrote.
     */
    public int writeFramed(ByteBuf out, int maxBytes) {
        int n = Math.max(1, maxBytes / framedLength());
        for (int i = 0; i < n; i++) {
            int s = next;
            Payloads.writeFramed(out, messageSize, seqs[s]++, firstStream + s);
            next = s + 1 == seqs.length ? 0 : s + 1;
        }
        return n;
    }
}
