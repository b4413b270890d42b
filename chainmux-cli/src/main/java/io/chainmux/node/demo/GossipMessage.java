package io.chainmux.node.demo;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A small demo message: {@code sequence u64 | send time u64 (System.nanoTime of the sender) | filler}.
 * The filler is a function of the sequence number, so either end can tell a corrupted or misrouted
 * message from a good one. The echo is the same bytes sent back.
 */
final class GossipMessage {
    static final int HEADER = 16;

    private GossipMessage() {}

    static ByteBuf encode(ByteBufAllocator alloc, long seq, long sentNanos, int size) {
        ByteBuf b = alloc.buffer(size, size);
        b.writeLong(seq).writeLong(sentNanos);
        for (int i = HEADER; i < size; i++) {
            b.writeByte(filler(seq, i));
        }
        return b;
    }

    static long seq(ByteBuf m) {
        return m.getLong(m.readerIndex());
    }

    static long sentNanos(ByteBuf m) {
        return m.getLong(m.readerIndex() + 8);
    }

    /** Whether {@code m} has the expected size and the filler its sequence number implies. */
    static boolean intact(ByteBuf m, int size) {
        if (m.readableBytes() != size) {
            return false;
        }
        long seq = seq(m);
        int base = m.readerIndex();
        for (int i = HEADER; i < size; i++) {
            if (m.getByte(base + i) != filler(seq, i)) {
                return false;
            }
        }
        return true;
    }

    private static byte filler(long seq, int i) {
        return (byte) (seq * 31 + i);
    }
}
