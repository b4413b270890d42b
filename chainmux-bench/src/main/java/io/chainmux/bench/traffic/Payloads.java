package io.chainmux.bench.traffic;

import io.netty.buffer.ByteBuf;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The benchmark message: {@code seq u64 | stream u32 | filler}, {@code size} bytes in all (big-endian).
 * Transports without their own message boundaries put a {@code length u32} prefix in front
 * ({@link #writeFramed}). The receiver checks seq and stream only, so verification stays cheap.
 */
public final class Payloads {
    /** Bytes of a message that carry the sequence number and the stream index. */
    public static final int HEADER_LENGTH = 12;
    /** Bytes of the length prefix used by stream transports. */
    public static final int LENGTH_PREFIX = 4;

    private static final byte[] FILLER = new byte[64 * 1024];
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    static {
        for (int i = 0; i < FILLER.length; i++) {
            FILLER[i] = (byte) (i * 31 + 7);
        }
    }

    private Payloads() {}

    /** Writes one length-prefixed message ({@code 4 + size} bytes). */
    public static void writeFramed(ByteBuf out, int size, long seq, int stream) {
        out.writeInt(size);
        write(out, size, seq, stream);
    }

    /** Writes one message ({@code size} bytes) without a length prefix. */
    public static void write(ByteBuf out, int size, long seq, int stream) {
        out.writeLong(seq);
        out.writeInt(stream);
        int filler = size - HEADER_LENGTH;
        while (filler > 0) {
            int n = Math.min(filler, FILLER.length);
            out.writeBytes(FILLER, 0, n);
            filler -= n;
        }
    }

    /** Fills {@code message} (its whole length is the message) with the header and filler. */
    public static void fill(byte[] message, int stream) {
        INT_BE.set(message, 8, stream);
        for (int i = HEADER_LENGTH; i < message.length; i += FILLER.length) {
            System.arraycopy(FILLER, 0, message, i, Math.min(FILLER.length, message.length - i));
        }
    }

    /** Sets the sequence number of a message prepared with {@link #fill}. */
    public static void setSeq(byte[] message, long seq) {
        LONG_BE.set(message, 0, seq);
    }

    public static long seq(byte[] message) {
        return (long) LONG_BE.get(message, 0);
    }

    public static int stream(byte[] message) {
        return (int) INT_BE.get(message, 8);
    }
}
