package io.chainmux.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class FrameReaderTest {
    private static final int MAX = 16_384;

    private static MuxException failure(String hex, int maxFrameSize) {
        ByteBuf in = Unpooled.wrappedBuffer(Frames.unhex(hex));
        try {
            return catchThrowableOfType(MuxException.class,
                    () -> FrameReader.readFrame(in, maxFrameSize, new Frames.Recorder()));
        } finally {
            in.release();
        }
    }

    @Test
    void incompleteHeaderOrPayloadConsumesNothing() {
        byte[] frame = Frames.encode(new Frames.Ping(false, 0x0102030405060708L));
        for (int n = 0; n < frame.length; n++) {
            ByteBuf in = Unpooled.wrappedBuffer(frame, 0, n);
            try {
                Frames.Recorder r = new Frames.Recorder();
                assertThat(FrameReader.readFrame(in, MAX, r)).isFalse();
                assertThat(in.readerIndex()).isZero();
                assertThat(in.writerIndex()).isEqualTo(n);
                assertThat(r.frames).isEmpty();
            } finally {
                in.release();
            }
        }
    }

    @Test
    void headerErrorsAreRaisedBeforeThePayloadArrives() {
        // Only the 9 header bytes of a 16,385-byte DATA frame: rejected without waiting for the payload.
        assertThat(failure("004001" + "00" + "00" + "00000001", MAX).code()).isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
        assertThat(failure("000004" + "0b" + "00" + "00000000", MAX).code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        assertThat(failure("000004" + "04" + "00" + "80000001", MAX).code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        assertThat(failure("000008" + "05" + "00" + "00000001", MAX).code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void maxFrameSizeIsInclusive() {
        byte[] payload = new byte[1024];
        byte[] frame = Frames.encode(new Frames.Data(1, 0, Frames.hex(payload)));
        assertThat(Frames.decode(frame, 1024)).isEqualTo(new Frames.Data(1, 0, Frames.hex(payload)));
        assertThat(failure(Frames.hex(frame), 1023).code()).isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
    }

    @Test
    void everyReaderErrorIsConnectionScoped() {
        MuxException e = failure("000000" + "00" + "00" + "00000005", MAX);
        assertThat(e.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        assertThat(e.isConnectionError()).isTrue();
        assertThat(e.streamId()).isZero();
        assertThat(e.getMessage()).contains("empty DATA").contains("stream 5");
    }

    @Test
    void listenerSeesOnlyThePayloadAndTheReaderEndsAtTheFrameEnd() {
        ByteBuf in = Unpooled.buffer();
        try {
            FrameWriter.writeData(in, 3, WireFormat.FLAG_END_MESSAGE, Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
            FrameWriter.writePing(in, true, 9);
            int end = in.writerIndex();
            int[] seen = new int[1];
            FrameListener partialReader = new Frames.Recorder() {
                @Override
                public void onData(int streamId, int flags, ByteBuf payload) {
                    seen[0] = payload.readableBytes();
                    payload.readByte(); // reads only part of the payload
                }
            };
            assertThat(FrameReader.readFrame(in, MAX, partialReader)).isTrue();
            assertThat(seen[0]).isEqualTo(3);
            assertThat(in.readerIndex()).isEqualTo(WireFormat.HEADER_LENGTH + 3);
            assertThat(in.writerIndex()).isEqualTo(end);
            Frames.Recorder r = new Frames.Recorder();
            assertThat(FrameReader.readFrame(in, MAX, r)).isTrue();
            assertThat(r.single()).isEqualTo(new Frames.Ping(true, 9));
            assertThat(in.isReadable()).isFalse();
            assertThat(FrameReader.readFrame(in, MAX, r)).isFalse();
        } finally {
            in.release();
        }
    }

    @Test
    void aThrowingListenerStillLeavesTheBufferConsistent() {
        ByteBuf in = Unpooled.buffer();
        try {
            FrameWriter.writeWindowUpdate(in, 0, 100);
            in.writeBytes(new byte[] {7, 7});
            FrameListener failing = new Frames.Recorder() {
                @Override
                public void onWindowUpdate(int streamId, int increment) {
                    throw new IllegalStateException("listener failure");
                }
            };
            assertThatThrownBy(() -> FrameReader.readFrame(in, MAX, failing)).isInstanceOf(IllegalStateException.class);
            assertThat(in.readerIndex()).isEqualTo(13);
            assertThat(in.writerIndex()).isEqualTo(15);
        } finally {
            in.release();
        }
    }

    @Test
    void unknownFlagsArePassedThroughOnDataAndIgnoredElsewhere() {
        assertThat(Frames.decode(Frames.unhex("000001" + "00" + "81" + "00000001" + "aa"), MAX))
                .as("DATA flags are reported raw; the connection ignores bits it does not know")
                .isEqualTo(new Frames.Data(1, 0x81, "aa"));
        assertThat(Frames.decode(Frames.unhex("000008" + "05" + "fe" + "00000000" + "0000000000000001"), MAX))
                .isEqualTo(new Frames.Ping(false, 1));
        assertThat(Frames.decode(Frames.unhex("000004" + "02" + "ff" + "00000002" + "00000400"), MAX))
                .isEqualTo(new Frames.Accept(2, 1024));
    }

    @Test
    void goAwayReasonWithInvalidUtf8IsDecodedLeniently() {
        // 0xff is never valid UTF-8: the reason is diagnostic text, so it is replaced, not rejected.
        Frames.GoAway g = (Frames.GoAway) Frames.decode(
                Frames.unhex("00000a" + "06" + "00" + "00000000" + "00000000" + "00000001" + "61ff"), MAX);
        assertThat(g.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        assertThat(g.reason()).isEqualTo("a\ufffd");
    }

    @Test
    void unknownAndLocalErrorCodesDecodeAsUnknown() {
        assertThat(Frames.decode(Frames.unhex("000004" + "03" + "00" + "00000001" + "00000fff"), MAX))
                .isEqualTo(new Frames.Reset(1, ErrorCode.UNKNOWN, ""));
        assertThat(Frames.decode(Frames.unhex("000004" + "03" + "00" + "00000001" + "00001000"), MAX))
                .isEqualTo(new Frames.Reset(1, ErrorCode.UNKNOWN, ""));
        assertThat(Frames.decode(Frames.unhex("000008" + "06" + "00" + "00000000" + "00000000" + "00000017"), MAX))
                .isEqualTo(new Frames.GoAway(0, ErrorCode.UNKNOWN, ""));
        assertThat(Frames.decode(Frames.unhex("000004" + "03" + "00" + "00000001" + "00001001"), MAX))
                .isEqualTo(new Frames.Reset(1, ErrorCode.UNKNOWN, ""));
    }

    @Test
    void networkIdValidation() {
        assertThat(failure("000005" + "01" + "00" + "00000001" + "00000400" + "00", MAX).code())
                .isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
        for (String bad : new String[] {"20", "7f", "00", "0a", "80", "c3"}) {
            MuxException e = failure("000008" + "01" + "00" + "00000001" + "00000400" + "03" + "61" + bad + "62", MAX);
            assertThat(e.code()).as(bad).isEqualTo(ErrorCode.PROTOCOL_ERROR);
            assertThat(e.getMessage()).contains("0x" + bad).contains("at 1");
        }
        assertThat(Frames.decode(Frames.unhex("000007" + "01" + "00" + "00000001" + "00000400" + "02" + "217e"), MAX))
                .isEqualTo(new Frames.Open(1, 1024, "!~"));
        assertThatThrownBy(() -> FrameReader.validateNetworkId("a b")).isInstanceOf(IllegalArgumentException.class);
        FrameReader.validateNetworkId("chain-7/chaindb-sync/1");
    }

    @Test
    void windowUpdateOnAnyStreamIncludingZero() {
        assertThat(Frames.decode(Frames.encode(new Frames.WindowUpdate(0, Integer.MAX_VALUE)), MAX))
                .isEqualTo(new Frames.WindowUpdate(0, Integer.MAX_VALUE));
        assertThat(Frames.decode(Frames.encode(new Frames.WindowUpdate(Integer.MAX_VALUE, 1)), MAX))
                .isEqualTo(new Frames.WindowUpdate(Integer.MAX_VALUE, 1));
    }

    @Test
    void resetDetailAndGoAwayReasonBoundaries() {
        String detail = "ab".repeat(WireFormat.MAX_RESET_DETAIL_LENGTH);
        assertThat(Frames.decode(Frames.encode(new Frames.Reset(1, ErrorCode.REFUSED_BUSY, detail)), MAX))
                .isEqualTo(new Frames.Reset(1, ErrorCode.REFUSED_BUSY, detail));
        assertThat(failure("0003ed" + "03" + "00" + "00000001" + "0000000a" + "00".repeat(1001), MAX).code())
                .isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
        assertThat(failure("000109" + "06" + "00" + "00000000" + "00000000" + "00000000" + "61".repeat(257), MAX).code())
                .isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
    }

    @Test
    void handshakePayloadIsHandedOverUnchecked() {
        // HELLO/AUTH layout is checked by the handshake, not by the frame reader.
        assertThat(Frames.decode(Frames.unhex("000002" + "0a" + "00" + "00000000" + "0102"), MAX))
                .isEqualTo(new Frames.Handshake(FrameType.AUTH, "0102"));
        ByteBuf in = Unpooled.wrappedBuffer(Frames.unhex("000000" + "09" + "00" + "00000000"));
        try {
            Frames.Recorder r = new Frames.Recorder();
            assertThat(FrameReader.readFrame(in, MAX, r)).isTrue();
            assertThat(r.single()).isEqualTo(new Frames.Handshake(FrameType.HELLO, ""));
        } finally {
            in.release();
        }
    }
}
