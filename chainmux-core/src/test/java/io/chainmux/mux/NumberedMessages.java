package io.chainmux.mux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntBinaryOperator;

/**
 * For loopback tests at many streams: each stream's numbered messages (its index and the sequence
 * number, then filler that depends on both, {@code length.applyAsInt(stream, seq)} bytes in all), and
 * the receiving side's check that each arrives whole and in order. {@link #received} is for one
 * thread (the receiving event loop); {@link #failures} for any.
 */
final class NumberedMessages {
    final List<String> failures = new CopyOnWriteArrayList<>();
    private final int messages;
    private final IntBinaryOperator length;
    private final int[] next;

    NumberedMessages(int streams, int messages, IntBinaryOperator length) {
        this.messages = messages;
        this.length = length;
        this.next = new int[streams];
    }

    int length(int stream, int seq) {
        return length.applyAsInt(stream, seq);
    }

    byte[] content(int stream, int seq) {
        byte[] b = new byte[length(stream, seq)];
        ByteBuffer.wrap(b).putInt(stream).putInt(seq);
        for (int i = 8; i < b.length; i++) {
            b[i] = (byte) (stream * 31 + seq + i);
        }
        return b;
    }

    /**
     * Writes message {@code seq} of {@code stream}, in bulk: byte-wise access costs a stack trace per
     * byte under the paranoid leak detector.
     */
    void write(ByteBuf out, int stream, int seq) {
        out.writeBytes(content(stream, seq));
    }

    /**
     * Checks a message received on {@code stream} against the next one its sender's stream sends; one
     * that is not adds to {@link #failures}. Does not release it.
     *
     * @return true when it was its stream's last message
     */
    boolean received(MuxStream stream, ByteBuf message) {
        int length = message.readableBytes();
        byte[] got = ByteBufUtil.getBytes(message);
        int index = length < 8 ? -1 : ByteBuffer.wrap(got).getInt(0);
        int seq = length < 8 ? -1 : ByteBuffer.wrap(got).getInt(4);
        boolean ok = index >= 0 && index < next.length && seq == next[index] && Arrays.equals(got, content(index, seq));
        if (!ok) {
            failures.add("stream " + stream.networkId() + ": message of " + length + " bytes, seq " + seq);
            return false;
        }
        return ++next[index] == messages;
    }
}
