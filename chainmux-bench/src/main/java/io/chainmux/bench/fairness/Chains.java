package io.chainmux.bench.fairness;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * What every fairness message carries, whatever the transport: {@code tag u32 | sent-at nanos u64 |
 * zeros}. The tag names the chain's kind and its index, so one receiver serves every part; stream
 * transports put a 4-byte length in front ({@link #framed}).
 */
final class Chains {
    /** A saturating chain; its index is the slot its delivered bytes are counted in. */
    static final int SATURATING = 1;
    /** A chain of small messages whose latency is recorded. */
    static final int SMALL = 2;
    /** A chain whose reader has stopped. */
    static final int STALLED = 3;
    /** Bytes of tag and time stamp. */
    static final int HEADER = 12;

    private Chains() {}

    static int tag(int kind, int index) {
        return kind << 24 | index;
    }

    static int kind(int tag) {
        return tag >>> 24;
    }

    static int index(int tag) {
        return tag & 0xFF_FFFF;
    }

    /** One message of {@code size} bytes, stamped now. */
    static ByteBuf message(ByteBufAllocator alloc, int tag, int size) {
        ByteBuf b = alloc.directBuffer(size);
        return b.writeInt(tag).writeLong(System.nanoTime()).writeZero(size - HEADER);
    }

    /** The same with a 4-byte length prefix, for transports that carry a byte stream. */
    static ByteBuf framed(ByteBufAllocator alloc, int tag, int size) {
        ByteBuf b = alloc.directBuffer(4 + size);
        return b.writeInt(size).writeInt(tag).writeLong(System.nanoTime()).writeZero(size - HEADER);
    }

    /** The same as a byte array (gRPC). */
    static byte[] array(int tag, int size) {
        byte[] m = new byte[size];
        stamp(m, tag);
        return m;
    }

    /** Writes tag and the current time into the first bytes of {@code m}. */
    static void stamp(byte[] m, int tag) {
        long now = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            m[i] = (byte) (tag >>> (24 - 8 * i));
        }
        for (int i = 0; i < 8; i++) {
            m[4 + i] = (byte) (now >>> (56 - 8 * i));
        }
    }

    static int tag(byte[] m) {
        return (m[0] & 0xFF) << 24 | (m[1] & 0xFF) << 16 | (m[2] & 0xFF) << 8 | (m[3] & 0xFF);
    }

    static long sentAt(byte[] m) {
        long v = 0;
        for (int i = 4; i < HEADER; i++) {
            v = v << 8 | (m[i] & 0xFF);
        }
        return v;
    }
}
