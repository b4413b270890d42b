package io.chainmux.mux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.IllegalReferenceCountException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The encoder's writes store straight into the target's memory when it has an address (a pooled
 * direct buffer) and through its methods otherwise (a heap buffer): both must put the same big-endian
 * bytes in the window, never a byte outside it, and refuse the same things.
 */
class LentBufferTest {
    private static final int BASE = 5;
    private static final int WINDOW = 20;

    private static Supplier<ByteBuf> target(String kind) {
        return switch (kind) {
            case "direct" -> () -> PooledByteBufAllocator.DEFAULT.directBuffer(64, 64);
            case "heap" -> () -> Unpooled.buffer(64, 64);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static ByteBuf filled(Supplier<ByteBuf> kind) {
        ByteBuf t = kind.get();
        t.writeZero(t.capacity());
        for (int i = 0; i < t.capacity(); i++) {
            t.setByte(i, 0xEE);
        }
        return t;
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "heap"})
    void writesLandBigEndianInTheWindowAndNowhereElse(String kind) {
        ByteBuf t = filled(target(kind));
        try {
            LentBuffer lent = new LentBuffer().lend(t, BASE, WINDOW);
            lent.writeByte(0x01);
            lent.writeShort(0x0203);
            lent.writeInt(0x04050607);
            lent.writeLong(0x08090A0B0C0D0E0FL);
            lent.writeBytes(new byte[] {0x10, 0x11, 0x12, 0x13}, 1, 2);
            lent.writeBytes(new byte[] {0x14});
            assertThat(lent.end()).isEqualTo(18);
            assertThat(ByteBufUtil.hexDump(t, BASE, 18)).isEqualTo("0102030405060708090a0b0c0d0e0f111214");
            for (int i = 0; i < t.capacity(); i++) {
                if (i < BASE || i >= BASE + 18) {
                    assertThat(t.getByte(i)).as("byte %d outside the message", i).isEqualTo((byte) 0xEE);
                }
            }
        } finally {
            t.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "heap"})
    void aWritePastTheWindowThrowsAndWritesNothing(String kind) {
        ByteBuf t = filled(target(kind));
        try {
            LentBuffer lent = new LentBuffer().lend(t, BASE, WINDOW);
            lent.writeLong(1).writeLong(2).writeShort(3);
            assertThatThrownBy(() -> lent.writeInt(4)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> lent.writeLong(4)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> lent.writeBytes(new byte[3])).isInstanceOf(IndexOutOfBoundsException.class);
            lent.writeShort(5); // exactly full
            assertThatThrownBy(() -> lent.writeByte(6)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(lent.end()).isEqualTo(WINDOW);
            assertThat(t.getByte(BASE + WINDOW)).isEqualTo((byte) 0xEE);
        } finally {
            t.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "heap"})
    void badSourceIndicesAndUseAfterTheLoanThrow(String kind) {
        ByteBuf t = filled(target(kind));
        try {
            LentBuffer lent = new LentBuffer().lend(t, BASE, WINDOW);
            byte[] src = new byte[4];
            assertThatThrownBy(() -> lent.writeBytes(src, 3, 2)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> lent.writeBytes(src, -1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(lent.writerIndex()).isZero();
            lent.end();
            assertThatThrownBy(() -> lent.writeByte(1)).isInstanceOf(IllegalReferenceCountException.class);
            assertThatThrownBy(() -> lent.writeLong(1)).isInstanceOf(IllegalReferenceCountException.class);
            assertThatThrownBy(() -> lent.writeBytes(src)).isInstanceOf(IllegalReferenceCountException.class);
            assertThat(t.getByte(BASE)).isEqualTo((byte) 0xEE);
        } finally {
            t.release();
        }
    }
}
