package io.chainmux.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property tests of the decoder and encoder with seeded randomness. Each iteration has its own
 * seed ({@code BASE_SEED + iteration}), printed on failure; set {@code -Dwire.seed=N} to change
 * the base. Every buffer is released in finally, and tests run under the paranoid leak detector.
 */
@Timeout(120)
class WirePropertyTest {
    private static final long BASE_SEED = Long.getLong("wire.seed", 0x5EED_C0DEL);
    private static final int[] MAX_FRAME_SIZES = {1024, 4096, 16_384, WireFormat.MAX_PAYLOAD_LENGTH};

    interface Property {
        void check(Random random) throws Exception;
    }

    private static void forAll(String name, int iterations, Property property) {
        for (int i = 0; i < iterations; i++) {
            long seed = BASE_SEED + i;
            try {
                property.check(new Random(seed));
            } catch (Throwable t) {
                throw new AssertionError(name + " failed at iteration " + i + ", seed " + seed
                        + " (rerun with -Dwire.seed=" + seed + ")", t);
            }
        }
    }

    private static ByteBufAllocator allocator(Random r) {
        return r.nextBoolean() ? PooledByteBufAllocator.DEFAULT : UnpooledByteBufAllocator.DEFAULT;
    }

    /** Bytes that often look like frame headers, so the decoder gets past the type check. */
    private static byte[] noise(Random r) {
        switch (r.nextInt(3)) {
            case 0 -> {
                return RandomFrames.bytes(r, r.nextInt(600));
            }
            case 1 -> {
                ByteBuf b = Unpooled.buffer();
                try {
                    int n = 1 + r.nextInt(8);
                    for (int i = 0; i < n; i++) {
                        int length = r.nextInt(4) == 0 ? r.nextInt(1 << 24) : r.nextInt(40);
                        b.writeMedium(length);
                        b.writeByte(r.nextInt(12));
                        b.writeByte(r.nextInt(256));
                        b.writeInt(r.nextInt(5) == 0 ? r.nextInt() : r.nextInt(4));
                        b.writeBytes(RandomFrames.bytes(r, Math.min(length, r.nextInt(60))));
                    }
                    return io.netty.buffer.ByteBufUtil.getBytes(b);
                } finally {
                    b.release();
                }
            }
            default -> {
                byte[] valid = encodeAll(randomFrames(r, 1 + r.nextInt(5), 16_384));
                int flips = 1 + r.nextInt(4);
                for (int i = 0; i < flips && valid.length > 0; i++) {
                    valid[r.nextInt(valid.length)] = (byte) r.nextInt(256);
                }
                return valid;
            }
        }
    }

    private static List<Frames.Frame> randomFrames(Random r, int n, int maxPayload) {
        List<Frames.Frame> frames = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            frames.add(RandomFrames.next(r, maxPayload));
        }
        return frames;
    }

    private static byte[] encodeAll(List<Frames.Frame> frames) {
        ByteBuf out = Unpooled.buffer();
        try {
            for (Frames.Frame f : frames) {
                f.write(out);
            }
            return io.netty.buffer.ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    /**
     * Feeds {@code bytes} in random chunks into a cumulation buffer and decodes what it can,
     * as a channel handler would. Returns the frames, or stops at the first MuxException
     * (returned as the last element's cause via {@code failure[0]}).
     */
    private static List<Frames.Frame> feed(Random r, byte[] bytes, int maxFrameSize, MuxException[] failure) {
        ByteBufAllocator alloc = allocator(r);
        ByteBuf cumulation = alloc.buffer(64);
        Frames.Recorder recorder = new Frames.Recorder();
        try {
            int offset = 0;
            // Each successful decode consumes at least a 9-byte header; this bounds the inner loop.
            int budget = bytes.length / WireFormat.HEADER_LENGTH + 1;
            while (offset < bytes.length) {
                int chunk = Math.min(bytes.length - offset, 1 + r.nextInt(r.nextBoolean() ? 16 : 4096));
                ByteBuf piece = alloc.buffer(chunk);
                try {
                    piece.writeBytes(bytes, offset, chunk);
                    cumulation.writeBytes(piece);
                } finally {
                    piece.release();
                }
                offset += chunk;
                while (true) {
                    int before = cumulation.readerIndex();
                    int writerBefore = cumulation.writerIndex();
                    boolean decoded;
                    try {
                        decoded = FrameReader.readFrame(cumulation, maxFrameSize, recorder);
                    } catch (MuxException e) {
                        assertThat(e.isConnectionError()).isTrue();
                        assertThat(e.code().onWire()).isTrue();
                        failure[0] = e;
                        return recorder.frames;
                    }
                    assertThat(cumulation.writerIndex()).isEqualTo(writerBefore);
                    if (!decoded) {
                        assertThat(cumulation.readerIndex()).isEqualTo(before);
                        break;
                    }
                    int length = cumulation.getUnsignedMedium(before);
                    assertThat(cumulation.readerIndex()).isEqualTo(before + WireFormat.HEADER_LENGTH + length);
                    assertThat(--budget).as("decode loop bound").isGreaterThanOrEqualTo(0);
                }
                if (r.nextInt(4) == 0) {
                    cumulation.discardSomeReadBytes();
                }
            }
            return recorder.frames;
        } finally {
            assertThat(cumulation.refCnt()).as("the reader must not retain or release the input").isEqualTo(1);
            assertThat(cumulation.release()).isTrue();
        }
    }

    @Test
    void randomBytesDecodeOrFailWithMuxException() {
        int[] outcomes = new int[2];
        forAll("random bytes", 4000, r -> {
            MuxException[] failure = new MuxException[1];
            feed(r, noise(r), MAX_FRAME_SIZES[r.nextInt(MAX_FRAME_SIZES.length)], failure);
            outcomes[failure[0] == null ? 0 : 1]++;
        });
        // The generator must reach both outcomes, or the property proves little.
        assertThat(outcomes[0]).isGreaterThan(100);
        assertThat(outcomes[1]).isGreaterThan(100);
    }

    @Test
    void truncatedValidFramesAreIncompleteAndConsumeNothing() {
        forAll("truncation", 2000, r -> {
            Frames.Frame f = RandomFrames.next(r, 300);
            byte[] bytes = Frames.encode(f);
            ByteBuf in = allocator(r).buffer(bytes.length);
            try {
                in.writeBytes(bytes);
                for (int cut = 0; cut < bytes.length; cut++) {
                    in.setIndex(0, cut);
                    Frames.Recorder rec = new Frames.Recorder();
                    assertThat(FrameReader.readFrame(in, 16_384, rec)).as("cut at %d of %d", cut, bytes.length).isFalse();
                    assertThat(in.readerIndex()).isZero();
                    assertThat(in.writerIndex()).isEqualTo(cut);
                    assertThat(rec.frames).isEmpty();
                }
                in.setIndex(0, bytes.length);
                Frames.Recorder rec = new Frames.Recorder();
                assertThat(FrameReader.readFrame(in, 16_384, rec)).isTrue();
                assertThat(rec.single()).isEqualTo(f);
            } finally {
                in.release();
            }
        });
    }

    @Test
    void mutatedFramesDecodeOrFailWithMuxException() {
        int[] outcomes = new int[3];
        forAll("mutation", 4000, r -> {
            byte[] bytes = Frames.encode(RandomFrames.next(r, 2048));
            int at = r.nextInt(bytes.length);
            byte old = bytes[at];
            do {
                bytes[at] = (byte) r.nextInt(256);
            } while (bytes[at] == old);
            ByteBuf in = allocator(r).buffer(bytes.length);
            try {
                in.writeBytes(bytes);
                Frames.Recorder rec = new Frames.Recorder();
                try {
                    if (FrameReader.readFrame(in, 16_384, rec)) {
                        assertThat(rec.frames).hasSize(1);
                        assertThat(in.readerIndex()).isEqualTo(WireFormat.HEADER_LENGTH + in.getUnsignedMedium(0));
                        outcomes[0]++;
                    } else {
                        assertThat(in.readerIndex()).isZero(); // the length grew: waits for more
                        outcomes[1]++;
                    }
                } catch (MuxException e) {
                    assertThat(e.isConnectionError()).isTrue();
                    outcomes[2]++;
                }
            } finally {
                in.release();
            }
        });
        for (int n : outcomes) {
            assertThat(n).as("every outcome is reached: decoded, incomplete, error").isGreaterThan(50);
        }
    }

    @Test
    void everyFrameTypeRoundTrips() {
        forAll("round trip", 4000, r -> {
            FrameType type = FrameType.values()[r.nextInt(FrameType.values().length)];
            int maxFrameSize = MAX_FRAME_SIZES[r.nextInt(MAX_FRAME_SIZES.length)];
            Frames.Frame f = RandomFrames.next(r, type, maxFrameSize);
            assertThat(f.type()).isEqualTo(type);
            assertThat(Frames.decode(Frames.encode(f), WireFormat.MAX_PAYLOAD_LENGTH)).isEqualTo(f);
        });
        // A run of frames decoded from random chunks gives the same frames in order.
        forAll("round trip, chunked stream", 200, r -> {
            List<Frames.Frame> frames = randomFrames(r, 1 + r.nextInt(20), 16_384);
            MuxException[] failure = new MuxException[1];
            assertThat(feed(r, encodeAll(frames), 16_384, failure)).isEqualTo(frames);
            assertThat(failure[0]).isNull();
        });
    }

    @Test
    void messagesSplitIntoFramesReassembleToTheOriginal() {
        forAll("fragmentation", 1000, r -> {
            int maxFrameSize = 1024 + r.nextInt(16_384 - 1024 + 1);
            int streams = 1 + r.nextInt(3);
            List<byte[]> messages = new ArrayList<>();
            List<ByteBuf> perStream = new ArrayList<>();
            ByteBuf wire = Unpooled.buffer();
            try {
                int expectedFrames = 0;
                for (int s = 0; s < streams; s++) {
                    int size = switch (r.nextInt(4)) {
                        case 0 -> 0;
                        case 1 -> maxFrameSize * (1 + r.nextInt(4)); // exact multiples
                        default -> r.nextInt(100_000);
                    };
                    byte[] m = RandomFrames.bytes(r, size);
                    messages.add(m);
                    ByteBuf b = Unpooled.buffer();
                    perStream.add(b);
                    int n = MessageFraming.writeMessage(b, 2 * s + 1, m, maxFrameSize, r.nextBoolean());
                    assertThat(n).isEqualTo(Math.max(1, (size + maxFrameSize - 1) / maxFrameSize));
                    expectedFrames += n;
                }
                // Interleave whole frames of different streams at random; each stream stays in order.
                List<Integer> live = new ArrayList<>();
                for (int s = 0; s < streams; s++) {
                    live.add(s);
                }
                while (!live.isEmpty()) {
                    int pick = r.nextInt(live.size());
                    ByteBuf b = perStream.get(live.get(pick));
                    int len = WireFormat.HEADER_LENGTH + b.getUnsignedMedium(b.readerIndex());
                    wire.writeBytes(b, len);
                    if (!b.isReadable()) {
                        live.remove(pick);
                    }
                }
                MessageFraming.Reassembler re = new MessageFraming.Reassembler();
                int guard = expectedFrames + 1;
                while (FrameReader.readFrame(wire, maxFrameSize, re)) {
                    assertThat(--guard).isPositive();
                }
                assertThat(wire.isReadable()).isFalse();
                assertThat(re.frames).hasSize(expectedFrames);
                assertThat(re.messages).hasSize(streams);
                long total = 0;
                for (MessageFraming.Message msg : re.messages) {
                    byte[] expected = messages.get((msg.streamId() - 1) / 2);
                    assertThat(Arrays.equals(msg.bytes(), expected)).as("message on stream %d", msg.streamId()).isTrue();
                    total += expected.length;
                }
                for (int[] frame : re.frames) {
                    assertThat(frame[1]).isLessThanOrEqualTo(maxFrameSize);
                }
                assertThat(re.charged).as("each message costs its bytes plus one").isEqualTo(total + streams);
                assertThat(re.partial).isEmpty();
            } finally {
                wire.release();
                perStream.forEach(ByteBuf::release);
            }
        });
    }

    @Test
    void workedExample40000BytesAt16384() {
        byte[] message = new byte[40_000];
        ByteBuf wire = Unpooled.buffer();
        try {
            assertThat(MessageFraming.writeMessage(wire, 1, message, 16_384, false)).isEqualTo(3);
            MessageFraming.Reassembler re = new MessageFraming.Reassembler();
            while (FrameReader.readFrame(wire, 16_384, re)) {
                assertThat(re.frames.size()).isLessThanOrEqualTo(3);
            }
            assertThat(re.frames).extracting(f -> f[1]).containsExactly(16_384, 16_384, 7_232);
            assertThat(re.frames).extracting(f -> f[2]).containsExactly(0, 0, WireFormat.FLAG_END_MESSAGE);
            assertThat(re.charged).isEqualTo(40_001);
        } finally {
            wire.release();
        }
    }
}
