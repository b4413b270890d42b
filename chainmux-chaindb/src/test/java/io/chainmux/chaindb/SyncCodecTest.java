package io.chainmux.chaindb;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SyncCodecTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final int MAX_BLOCKS = 64;
    private static final int MAX_PAYLOAD = 4096;

    private static List<SyncMessage> samples() {
        ChainDb db = new ChainDb("c");
        db.produce(5, 100);
        byte[] tip = db.tipHash();
        return List.of(new SyncMessage.GetHeight(), new SyncMessage.Height(5, tip), new SyncMessage.WaitHeight(5),
                new SyncMessage.GetBlocks(3, 100, 1 << 20), new SyncMessage.Blocks(db.blocks(2, 4)),
                new SyncMessage.Blocks(List.of()), new SyncMessage.Error(SyncErrorCode.REQUEST_TOO_LARGE, "too many"),
                new SyncMessage.Error(SyncErrorCode.BAD_REQUEST, "ünïcödé ✓"));
    }

    @Test
    void everyMessageRoundTrips() {
        for (SyncMessage m : samples()) {
            ByteBuf buf = SyncCodec.encode(m, ALLOC);
            try {
                SyncMessage back = SyncCodec.decode(buf, MAX_BLOCKS, MAX_PAYLOAD);
                assertThat(buf.isReadable()).isFalse();
                assertSame(back, m);
            } finally {
                buf.release();
            }
        }
    }

    @Test
    void documentedSizes() {
        assertThat(sizeOf(new SyncMessage.GetHeight())).isEqualTo(1);
        assertThat(sizeOf(new SyncMessage.Height(1, new byte[32]))).isEqualTo(41);
        assertThat(sizeOf(new SyncMessage.GetBlocks(1, 1, 1))).isEqualTo(17);
        assertThat(sizeOf(new SyncMessage.WaitHeight(7))).isEqualTo(9);
        assertThat(encode(new SyncMessage.WaitHeight(7))).containsExactly(0x06, 0, 0, 0, 0, 0, 0, 0, 7);
        ChainDb db = new ChainDb("c");
        db.produce(2, 10);
        assertThat(sizeOf(new SyncMessage.Blocks(db.blocks(1, 2)))).isEqualTo(5 + 2 * (76 + 10));
        assertThat(sizeOf(new SyncMessage.Error(SyncErrorCode.INTERNAL, "abc"))).isEqualTo(5 + 3);
        assertThat(sizeOf(new SyncMessage.Error(SyncErrorCode.INTERNAL, "é".repeat(300))))
                .as("text cut to 512 bytes on a code point boundary").isEqualTo(5 + 512);
    }

    @Test
    void blocksFromTheDatabaseEncodeLikeTheBlockList() {
        ChainDb db = new ChainDb("c");
        db.produce(10, 50);
        ByteBuf direct = SyncCodec.encodeBlocks(db, 3, 4, 1 << 20, ALLOC);
        ByteBuf viaList = SyncCodec.encode(new SyncMessage.Blocks(db.blocks(3, 4)), ALLOC);
        try {
            assertThat(direct).isEqualTo(viaList);
        } finally {
            direct.release();
            viaList.release();
        }
        ByteBuf byBytes = SyncCodec.encodeBlocks(db, 3, 100, 5 + 2 * (76 + 50) + 10, ALLOC);
        try {
            assertThat(byBytes.getInt(1)).as("cut by max bytes").isEqualTo(2);
        } finally {
            byBytes.release();
        }
        assertThat(SyncCodec.encodeBlocks(db, 3, 100, 100, ALLOC)).as("first block alone too large").isNull();
        ByteBuf above = SyncCodec.encodeBlocks(db, 11, 5, 1000, ALLOC);
        try {
            assertThat(above.readableBytes()).as("none above the tip: empty BLOCKS").isEqualTo(5);
        } finally {
            above.release();
        }
    }

    @Test
    void garbageIsRejectedWithClearMessages() {
        assertRejected(new byte[0], "empty");
        assertRejected(new byte[] {0x7F}, "unknown sync message type 0x7f");
        assertRejected(new byte[] {0x01, 0x00}, "GET_HEIGHT must have 1 bytes, had 2");
        assertRejected(new byte[] {0x02, 0, 0}, "HEIGHT must have 41 bytes");
        assertRejected(new byte[] {0x06, 0, 0, 0, 0, 0, 0, 1}, "WAIT_HEIGHT must have 9 bytes, had 8");
        assertRejected(new byte[] {0x06, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0}, "exceeds 2^63-1");
        byte[] height = new byte[41];
        height[0] = 0x02;
        height[1] = (byte) 0x80;
        assertRejected(height, "exceeds 2^63-1");
        assertRejected(getBlocks(0, 1, 1), "from must be >= 1");
        assertRejected(getBlocks(1, 0, 1), "count must be in [1, 2^31-1], was 0");
        assertRejected(getBlocks(1, -1, 1), "count must be in [1, 2^31-1], was 4294967295");
        assertRejected(getBlocks(1, 1, 0), "max bytes");
        assertRejected(new byte[] {0x04, 0, 0}, "shorter than its 5-byte header");
        assertRejected(new byte[] {0x04, 0x7F, -1, -1, -1}, "limit is 64");
        assertRejected(new byte[] {0x04, 0, 0, 0, 2, 1, 2, 3}, "claims 2 blocks but has only 3 bytes");
        assertRejected(new byte[] {0x05, 0, 1, 0x02, 0x01, 'x'}, "text of 513 bytes exceeds 512");
        assertRejected(new byte[] {0x05, 0, 1, 0, 2, 'x'}, "ERROR with 2 text bytes must have 7 bytes, had 6");
        assertRejected(new byte[] {0x05, 0, 1, 0, 1, (byte) 0xC3}, "not valid UTF-8");
    }

    @Test
    void blocksContentIsChecked() {
        ChainDb db = new ChainDb("c");
        db.produce(3, 10);
        byte[] ok = encode(new SyncMessage.Blocks(db.blocks(1, 3)));
        byte[] trailing = java.util.Arrays.copyOf(ok, ok.length + 1);
        assertRejected(trailing, "1 bytes after its 3 blocks");
        byte[] gap = ok.clone();
        gap[5 + 86 + 7] = 3; // second block's height 2 -> 3
        assertRejected(gap, "not consecutive: 1 then 3");
        byte[] genesis = ok.clone();
        genesis[5 + 7] = 0; // first block's height 1 -> 0
        assertRejected(genesis, "height 0");
        byte[] bigPayload = ok.clone();
        bigPayload[5 + 72 + 1] = 1; // first payload length 10 -> 65546
        assertRejected(bigPayload, "payload of 65546 bytes, the limit is 4096");
        byte[] longPayload = ok.clone();
        longPayload[5 + 2 * 86 + 75] = 100; // last block: within the limit but beyond the message
        assertRejected(longPayload, "is truncated to");
        byte[] unknownCode = {0x05, 0x12, 0x34, 0, 0};
        ByteBuf buf = Unpooled.wrappedBuffer(unknownCode);
        try {
            assertThat(((SyncMessage.Error) SyncCodec.decode(buf, 1, 1)).errorCode()).isEqualTo(SyncErrorCode.UNKNOWN);
        } finally {
            buf.release();
        }
    }

    /** Random bytes, truncations and bit flips of valid messages: a message or a SyncProtocolException. */
    @Test
    void anyBytesDecodeOrFailCleanly() {
        List<byte[]> valid = new ArrayList<>();
        for (SyncMessage m : samples()) {
            valid.add(encode(m));
        }
        Random r = new Random(20240611);
        int decoded = 0;
        int rejected = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] input;
            int mode = i % 4;
            byte[] base = valid.get(r.nextInt(valid.size()));
            if (mode == 0) {
                input = new byte[r.nextInt(600)];
                r.nextBytes(input);
                if (input.length > 0) {
                    input[0] = (byte) r.nextInt(7); // mostly known types, so the bodies get exercised
                }
            } else if (mode == 1) {
                input = java.util.Arrays.copyOf(base, r.nextInt(base.length + 1));
            } else if (mode == 2) {
                input = base.clone();
                for (int f = 0; f < 1 + r.nextInt(3); f++) {
                    input[r.nextInt(input.length)] ^= (byte) (1 << r.nextInt(8));
                }
            } else {
                input = java.util.Arrays.copyOf(base, base.length + 1 + r.nextInt(8));
            }
            ByteBuf buf = (i & 1) == 0 ? Unpooled.wrappedBuffer(input) : ALLOC.buffer(input.length).writeBytes(input);
            try {
                SyncMessage m = SyncCodec.decode(buf, MAX_BLOCKS, MAX_PAYLOAD);
                decoded++;
                assertThat(encode(m)).as("a decoded message re-encodes to its bytes").isEqualTo(input);
            } catch (SyncProtocolException e) {
                rejected++;
                assertThat(e.getMessage()).isNotBlank();
            } finally {
                buf.release();
            }
        }
        assertThat(decoded).isPositive();
        assertThat(rejected).isPositive();
    }

    private static void assertSame(SyncMessage back, SyncMessage m) {
        if (m instanceof SyncMessage.Height h) {
            SyncMessage.Height b = (SyncMessage.Height) back;
            assertThat(b.height()).isEqualTo(h.height());
            assertThat(b.tipHash()).isEqualTo(h.tipHash());
        } else {
            assertThat(back).isEqualTo(m);
        }
    }

    private static int sizeOf(SyncMessage m) {
        return encode(m).length;
    }

    private static byte[] encode(SyncMessage m) {
        ByteBuf buf = SyncCodec.encode(m, ALLOC);
        try {
            byte[] out = new byte[buf.readableBytes()];
            buf.readBytes(out);
            return out;
        } finally {
            buf.release();
        }
    }

    private static byte[] getBlocks(long from, int count, int maxBytes) {
        ByteBuf b = Unpooled.buffer(17).writeByte(3).writeLong(from).writeInt(count).writeInt(maxBytes);
        try {
            byte[] out = new byte[17];
            b.readBytes(out);
            return out;
        } finally {
            b.release();
        }
    }

    private static void assertRejected(byte[] input, String message) {
        ByteBuf buf = Unpooled.wrappedBuffer(input);
        try {
            assertThatThrownBy(() -> SyncCodec.decode(buf, MAX_BLOCKS, MAX_PAYLOAD))
                    .isInstanceOf(SyncProtocolException.class).hasMessageContaining(message);
        } finally {
            buf.release();
        }
    }
}
