package io.chainmux.mux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.Random;

/** Deterministic message content: (stream index, sequence) fixes size and every byte. */
final class TestMessages {
    private static final int[] SIZES = {0, 1, 8, 64, 1000, 16_383, 16_384, 16_385, 70_000, 300_000};

    private TestMessages() {}

    static int size(int stream, int seq) {
        Random r = new Random(stream * 1_000_003L + seq);
        int size = SIZES[r.nextInt(SIZES.length)];
        return (seq % 97 == 96) ? 2_000_000 : size; // now and then a multi-frame message of 2 MB
    }

    static byte[] content(int stream, int seq) {
        byte[] b = new byte[size(stream, seq)];
        new Random(31L * stream + seq).nextBytes(b);
        return b;
    }

    static ByteBuf buffer(int stream, int seq) {
        return Unpooled.wrappedBuffer(content(stream, seq));
    }

    static boolean matches(int stream, int seq, ByteBuf m) {
        // One bulk copy: byte-wise access costs a stack trace per byte under the paranoid leak detector.
        return java.util.Arrays.equals(content(stream, seq), io.netty.buffer.ByteBufUtil.getBytes(m));
    }
}
