package io.chainmux.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the frame decoder (Jazzer). Input: one byte choosing the announced
 * maximum frame size and where the stream is split into reads, then the bytes on the wire. Every
 * input must decode into frames or stop at a {@link MuxException} of connection scope with a
 * protocol code; nothing else may escape. Invariants checked on every input:
 *
 * <ul>
 *   <li>a frame's payload never exceeds the announced maximum;</li>
 *   <li>the reader consumes exactly whole frames (header + length) and nothing on a partial one;</li>
 *   <li>decoding is split-independent: the same frames whether the bytes come at once or in two reads;</li>
 *   <li>every decoded frame re-encodes with {@link FrameWriter} and decodes to itself;</li>
 *   <li>the decoder neither retains nor releases the input buffer.</li>
 * </ul>
 *
 * <p>The seed corpus under {@code src/test/resources/io/chainmux/wire/FrameReaderFuzzTestInputs/}
 * replays in every build; {@code JAZZER_FUZZ=1} fuzzes (docs/SECURITY.md).
 */
class FrameReaderFuzzTest {
    private static final int[] MAX_FRAME_SIZES = {1024, 16 * 1024, 64 * 1024, WireFormat.MAX_PAYLOAD_LENGTH};

    @FuzzTest(maxDuration = "30s")
    void decodesOrFailsWithAConnectionError(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int maxFrameSize = MAX_FRAME_SIZES[input[0] & 3];
        int split = (input[0] & 0xFF) >>> 2;
        byte[] wire = java.util.Arrays.copyOfRange(input, 1, input.length);

        Outcome whole = decode(wire, wire.length, maxFrameSize);
        Outcome split2 = decode(wire, Math.min(split, wire.length), maxFrameSize);
        assertThat(split2.frames).as("split-independent").isEqualTo(whole.frames);
        assertThat(split2.error == null).isEqualTo(whole.error == null);

        for (Frames.Frame f : whole.frames) {
            if (f instanceof Frames.Reset r && r.code() == ErrorCode.UNKNOWN
                    || f instanceof Frames.GoAway g && g.code() == ErrorCode.UNKNOWN) {
                continue; // an unassigned code decodes as UNKNOWN, which an encoder never sends
            }
            byte[] encoded = Frames.encode(f);
            if (f instanceof Frames.Data || f instanceof Frames.Handshake) {
                assertThat(encoded.length - WireFormat.HEADER_LENGTH).isLessThanOrEqualTo(maxFrameSize);
            }
            assertThat(Frames.decode(encoded, WireFormat.MAX_PAYLOAD_LENGTH)).isEqualTo(f);
        }
    }

    private record Outcome(List<Frames.Frame> frames, MuxException error) {}

    /** Decodes {@code wire} fed as two reads, cut at {@code cut}, the way MuxHandler keeps a partial frame. */
    private static Outcome decode(byte[] wire, int cut, int maxFrameSize) {
        Frames.Recorder recorder = new Frames.Recorder();
        ByteBuf in = PooledByteBufAllocator.DEFAULT.buffer(Math.max(1, wire.length));
        try {
            in.writeBytes(wire, 0, cut);
            MuxException error = readAll(in, maxFrameSize, recorder);
            if (error == null) {
                in.writeBytes(wire, cut, wire.length - cut);
                error = readAll(in, maxFrameSize, recorder);
            }
            assertThat(in.refCnt()).as("decoder changed refCnt").isEqualTo(1);
            return new Outcome(recorder.frames, error);
        } finally {
            in.release();
        }
    }

    private static MuxException readAll(ByteBuf in, int maxFrameSize, Frames.Recorder recorder) {
        while (true) {
            int before = in.readerIndex();
            int frames = recorder.frames.size();
            try {
                if (!FrameReader.readFrame(in, maxFrameSize, recorder)) {
                    assertThat(in.readerIndex()).as("nothing consumed of a partial frame").isEqualTo(before);
                    return null;
                }
            } catch (MuxException e) {
                assertThat(e.isConnectionError()).as("decoder errors are connection errors: %s", e).isTrue();
                assertThat(e.code()).isIn(ErrorCode.PROTOCOL_ERROR, ErrorCode.FRAME_SIZE_ERROR);
                return e;
            }
            int length = in.getUnsignedMedium(before);
            assertThat(length).isLessThanOrEqualTo(maxFrameSize);
            assertThat(in.readerIndex() - before).as("one whole frame").isEqualTo(WireFormat.HEADER_LENGTH + length);
            assertThat(recorder.frames.size()).isEqualTo(frames + 1);
        }
    }
}
