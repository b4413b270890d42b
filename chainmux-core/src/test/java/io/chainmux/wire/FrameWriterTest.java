package io.chainmux.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameWriterTest {

    private static void rejects(java.util.function.Consumer<ByteBuf> write, String messagePart) {
        ByteBuf out = Unpooled.buffer();
        try {
            assertThatThrownBy(() -> write.accept(out)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(messagePart);
        } finally {
            out.release();
        }
    }

    @Test
    void headerLayoutIsBigEndian() {
        ByteBuf out = Unpooled.buffer();
        try {
            FrameWriter.writeHeader(out, 0x010203, FrameType.WINDOW_UPDATE, 0xA5, 0x7F00FF01);
            assertThat(ByteBufUtil.hexDump(out)).isEqualTo("010203" + "04" + "a5" + "7f00ff01");
        } finally {
            out.release();
        }
    }

    /** The header set in place behind a payload is byte for byte the one written in sequence, with the same checks. */
    @Test
    void aDataHeaderSetInPlaceIsTheOneWrittenInSequence() {
        ByteBuf written = Unpooled.buffer();
        ByteBuf set = Unpooled.buffer();
        try {
            FrameWriter.writeDataHeader(written, 0x7F00FF01, WireFormat.FLAG_END_MESSAGE, 0x010203);
            set.writeZero(3 + WireFormat.HEADER_LENGTH + 2);
            FrameWriter.setDataHeader(set, 3, 0x7F00FF01, WireFormat.FLAG_END_MESSAGE, 0x010203);
            assertThat(ByteBufUtil.hexDump(set, 3, WireFormat.HEADER_LENGTH)).isEqualTo(ByteBufUtil.hexDump(written));
            assertThat(ByteBufUtil.hexDump(set, 0, 3) + ByteBufUtil.hexDump(set, 3 + WireFormat.HEADER_LENGTH, 2))
                    .as("nothing around it touched").isEqualTo("0000000000");
            assertThat(set.writerIndex()).as("indices left alone").isEqualTo(3 + WireFormat.HEADER_LENGTH + 2);
        } finally {
            written.release();
            set.release();
        }
        rejects(out -> FrameWriter.setDataHeader(out.writeZero(16), 0, 0, WireFormat.FLAG_END_MESSAGE, 1), "stream 0");
        rejects(out -> FrameWriter.setDataHeader(out.writeZero(16), 0, 1, 0, 0), "empty DATA");
        rejects(out -> FrameWriter.setDataHeader(out.writeZero(16), 0, 1, 0x100, 1), "flags");
        rejects(out -> FrameWriter.setDataHeader(out.writeZero(16), 0, 1, 0, 1 << 24), "payload length");
    }

    @Test
    void headerRejectsLengthOutsideTwentyFourBits() {
        rejects(out -> FrameWriter.writeHeader(out, -1, FrameType.DATA, 1, 1), "payload length");
        rejects(out -> FrameWriter.writeHeader(out, 1 << 24, FrameType.DATA, 0, 1), "payload length");
    }

    @Test
    void headerRejectsFlagsThatDoNotFitAByte() {
        rejects(out -> FrameWriter.writeHeader(out, 4, FrameType.WINDOW_UPDATE, 0x100, 1), "flags");
        rejects(out -> FrameWriter.writeHeader(out, 4, FrameType.WINDOW_UPDATE, -1, 1), "flags");
    }

    @Test
    void headerRejectsTheReservedBit() {
        rejects(out -> FrameWriter.writeHeader(out, 4, FrameType.WINDOW_UPDATE, 0, 0x80000001), "reserved");
    }

    @Test
    void streamFramesRejectStreamZero() {
        ByteBuf empty = Unpooled.EMPTY_BUFFER;
        rejects(out -> FrameWriter.writeData(out, 0, WireFormat.FLAG_END_MESSAGE, empty), "stream 0");
        rejects(out -> FrameWriter.writeDataHeader(out, 0, 0, 10), "stream 0");
        rejects(out -> FrameWriter.writeOpen(out, 0, 1024, "net"), "stream 0");
        rejects(out -> FrameWriter.writeAccept(out, 0, 1024), "stream 0");
        rejects(out -> FrameWriter.writeReset(out, 0, ErrorCode.CANCEL, null), "stream 0");
    }

    @Test
    void connectionFramesRejectANonZeroStream() {
        rejects(out -> FrameWriter.writeHeader(out, 8, FrameType.PING, 0, 3), "must be 0");
        rejects(out -> FrameWriter.writeHeader(out, 4, FrameType.MAX_STREAMS, 0, 2), "must be 0");
    }

    @Test
    void emptyDataFrameNeedsEndMessageOrFin() {
        rejects(out -> FrameWriter.writeData(out, 1, 0, Unpooled.EMPTY_BUFFER), "empty DATA");
        rejects(out -> FrameWriter.writeDataHeader(out, 1, 0, 0), "empty DATA");
        ByteBuf out = Unpooled.buffer();
        try {
            FrameWriter.writeData(out, 1, WireFormat.FLAG_FIN, Unpooled.EMPTY_BUFFER);
            FrameWriter.writeData(out, 1, WireFormat.FLAG_END_MESSAGE, Unpooled.EMPTY_BUFFER);
            assertThat(ByteBufUtil.hexDump(out)).isEqualTo("000000000200000001" + "000000000100000001");
        } finally {
            out.release();
        }
    }

    @Test
    void maxMessageSizeMustBePositive() {
        rejects(out -> FrameWriter.writeOpen(out, 1, 0, "net"), "max message size");
        rejects(out -> FrameWriter.writeOpen(out, 1, -1, "net"), "max message size");
        rejects(out -> FrameWriter.writeAccept(out, 2, 0), "max message size");
        rejects(out -> FrameWriter.writeAccept(out, 2, Integer.MIN_VALUE), "max message size");
    }

    @Test
    void goAwayLastStreamIdMustNotUseTheReservedBit() {
        rejects(out -> FrameWriter.writeGoAway(out, -1, ErrorCode.NO_ERROR, ""), "last stream id");
    }

    @Test
    void windowUpdateAndMaxStreamsRejectOutOfRangeValues() {
        rejects(out -> FrameWriter.writeWindowUpdate(out, 1, 0), "positive");
        rejects(out -> FrameWriter.writeWindowUpdate(out, 0, Integer.MIN_VALUE), "positive");
        rejects(out -> FrameWriter.writeMaxStreams(out, -1), "non-negative");
    }

    @Test
    void localErrorCodesAreNeverSent() {
        rejects(out -> FrameWriter.writeReset(out, 1, ErrorCode.CONNECTION_LOST, null), "local");
        rejects(out -> FrameWriter.writeReset(out, 1, ErrorCode.UNKNOWN, null), "local");
        rejects(out -> FrameWriter.writeGoAway(out, 0, ErrorCode.CONNECTION_LOST, "x"), "local");
    }

    @Test
    void handshakeWriterOnlyTakesHelloAndAuth() {
        rejects(out -> FrameWriter.writeHandshake(out, FrameType.PING, Unpooled.EMPTY_BUFFER), "handshake");
    }

    @Test
    void openValidatesTheNetworkId() {
        rejects(out -> FrameWriter.writeOpen(out, 1, 10, ""), "1-255");
        rejects(out -> FrameWriter.writeOpen(out, 1, 10, null), "1-255");
        rejects(out -> FrameWriter.writeOpen(out, 1, 10, "a".repeat(256)), "1-255");
        rejects(out -> FrameWriter.writeOpen(out, 1, 10, "chain 7"), "printable");
        rejects(out -> FrameWriter.writeOpen(out, 1, 10, "chain\u00e9"), "printable");
        rejects(out -> FrameWriter.writeOpen(out, 1, 10, "tab\t"), "printable");
        rejects(out -> FrameWriter.writeOpen(out, 1, 10, "del\u007f"), "printable");
        assertThat(Frames.decode(Frames.encode(new Frames.Open(1, 10, "a".repeat(255))), 16384))
                .isEqualTo(new Frames.Open(1, 10, "a".repeat(255)));
        assertThat(Frames.decode(Frames.encode(new Frames.Open(1, 10, "!~")), 16384))
                .isEqualTo(new Frames.Open(1, 10, "!~"));
    }

    @Test
    void resetDetailIsCutToTheMaximum() {
        byte[] detail = new byte[1500];
        for (int i = 0; i < detail.length; i++) {
            detail[i] = (byte) i;
        }
        ByteBuf out = Unpooled.buffer();
        ByteBuf d = Unpooled.wrappedBuffer(detail);
        try {
            FrameWriter.writeReset(out, 5, ErrorCode.REFUSED_BUSY, d);
            assertThat(out.getUnsignedMedium(0)).isEqualTo(4 + WireFormat.MAX_RESET_DETAIL_LENGTH);
            assertThat(d.readerIndex()).as("the caller's detail is not consumed").isZero();
            Frames.Reset r = (Frames.Reset) Frames.decode(ByteBufUtil.getBytes(out), 16384);
            assertThat(Frames.unhex(r.detailHex())).isEqualTo(java.util.Arrays.copyOf(detail, 1000));
        } finally {
            out.release();
            d.release();
        }
    }

    @Test
    void goAwayReasonIsCutAtACharacterBoundary() {
        // 255 ASCII bytes + a 2-byte character: the character does not fit and is dropped whole.
        assertThat(reasonAfterRoundTrip("a".repeat(255) + "\u00e9")).isEqualTo("a".repeat(255));
        // 254 ASCII bytes + a 4-byte character (a surrogate pair in Java): dropped whole.
        assertThat(reasonAfterRoundTrip("a".repeat(254) + "\uD83D\uDE00")).isEqualTo("a".repeat(254));
        // 252 + 4 = 256 bytes exactly: kept.
        assertThat(reasonAfterRoundTrip("a".repeat(252) + "\uD83D\uDE00")).isEqualTo("a".repeat(252) + "\uD83D\uDE00");
        // 3-byte characters: 85 of them are 255 bytes; the 86th would make 258.
        assertThat(reasonAfterRoundTrip("\u20ac".repeat(100))).isEqualTo("\u20ac".repeat(85));
        assertThat(reasonAfterRoundTrip("x".repeat(256))).isEqualTo("x".repeat(256));
        assertThat(reasonAfterRoundTrip(null)).isEmpty();
    }

    @Test
    void truncatedUtf8IsAlwaysAValidPrefix() {
        java.util.Random random = new java.util.Random(42);
        int[] samples = {'a', 0xE9, 0x20AC, 0x1F600, 0x7FF, 0x800, 0xFFFF, 0x10000};
        for (int i = 0; i < 500; i++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(200);
            for (int j = 0; j < n; j++) {
                sb.appendCodePoint(samples[random.nextInt(samples.length)]);
            }
            String s = sb.toString();
            byte[] cut = FrameWriter.truncatedUtf8(s, 256);
            String back = new String(cut, StandardCharsets.UTF_8);
            assertThat(cut.length).isLessThanOrEqualTo(256);
            assertThat(s).startsWith(back);
            assertThat(back.getBytes(StandardCharsets.UTF_8)).isEqualTo(cut);
            if (s.getBytes(StandardCharsets.UTF_8).length > 256) {
                // Cut as late as possible: the next code point would not have fitted.
                int next = s.codePointAt(back.length());
                assertThat(cut.length + new String(Character.toChars(next)).getBytes(StandardCharsets.UTF_8).length)
                        .isGreaterThan(256);
            }
        }
    }

    private static String reasonAfterRoundTrip(String reason) {
        byte[] bytes = Frames.encode(new Frames.GoAway(7, ErrorCode.NO_ERROR, reason));
        assertThat(bytes.length).isLessThanOrEqualTo(WireFormat.HEADER_LENGTH + 8 + 256);
        return ((Frames.GoAway) Frames.decode(bytes, 16384)).reason();
    }
}
