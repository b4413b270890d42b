package io.chainmux.bench.scale;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** A small message: sequence number and send time (nanoTime), padded with zeros to its size. */
final class PingMessage {
    static final int HEADER = 16;

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
}
