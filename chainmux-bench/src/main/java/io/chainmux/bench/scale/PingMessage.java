package io.chainmux.bench.scale;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A small message: sequence number and send time (nanoTime), then the time the echoing peer handled it
 * (nanoTime, 0 until then; only in messages of at least {@link #STAMPED} bytes), padded with zeros to its
 * size. Both ends run on one machine, where {@link System#nanoTime()} is the same clock in every process
 * (Linux: CLOCK_MONOTONIC), so the stamp splits a round trip into its way out and its way back.
 */
final class PingMessage {
    static final int HEADER = 16;
    static final int STAMPED = 24;

    private PingMessage() {}

    static ByteBuf encode(ByteBufAllocator alloc, long seq, long sentNanos, int size) {
        ByteBuf b = alloc.buffer(size, size);
        b.writeLong(seq).writeLong(sentNanos).writeZero(size - HEADER);
        return b;
    }

    static long seq(ByteBuf m) {
        return m.getLong(m.readerIndex());
    }

    static long sentNanos(ByteBuf m) {
        return m.getLong(m.readerIndex() + 8);
    }

    /** Stamps the time the echoing peer handled the message, if the message has room for it. */
    static void stampEcho(ByteBuf m, long nanos) {
        if (m.readableBytes() >= STAMPED) {
            m.setLong(m.readerIndex() + HEADER, nanos);
        }
    }

    /** The echoing peer's stamp, or 0 if it has none. */
    static long echoNanos(ByteBuf m) {
        return m.readableBytes() >= STAMPED ? m.getLong(m.readerIndex() + HEADER) : 0;
    }
}
