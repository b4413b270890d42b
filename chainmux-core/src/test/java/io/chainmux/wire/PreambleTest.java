package io.chainmux.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PreambleTest {

    private static Preamble decode(String hex) {
        ByteBuf in = Unpooled.wrappedBuffer(Frames.unhex(hex));
        try {
            return Preamble.decode(in);
        } finally {
            in.release();
        }
    }

    @Test
    void currentPreambleBytes() {
        ByteBuf out = Unpooled.buffer();
        try {
            Preamble.CURRENT.encode(out);
            assertThat(ByteBufUtil.hexDump(out)).isEqualTo("434d555801010000");
            assertThat(Preamble.decode(out)).isEqualTo(Preamble.CURRENT);
            assertThat(out.isReadable()).isFalse();
        } finally {
            out.release();
        }
    }

    @Test
    void shortInputConsumesNothing() {
        ByteBuf in = Unpooled.wrappedBuffer(Frames.unhex("434d5558010100"));
        try {
            assertThat(Preamble.decode(in)).isNull();
            assertThat(in.readerIndex()).isZero();
        } finally {
            in.release();
        }
    }

    @Test
    void reservedBytesAreIgnoredOnReceipt() {
        assertThat(decode("434d55580103abcd")).isEqualTo(new Preamble(1, 3));
    }

    @Test
    void notAChainmuxPeer() {
        // An HTTP request and a TLS ClientHello reaching a plaintext listener.
        for (String hex : new String[] {"474554202f204854", "1603010200010001", "434d555901010000"}) {
            MuxException e = catchThrowableOfType(MuxException.class, () -> decode(hex));
            assertThat(e.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
            assertThat(e.getMessage()).contains("not a chainmux peer");
        }
    }

    @Test
    void invalidVersionRanges() {
        for (String hex : new String[] {"434d555800010000", "434d555802010000", "434d555800000000"}) {
            MuxException e = catchThrowableOfType(MuxException.class, () -> decode(hex));
            assertThat(e.code()).as(hex).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        }
        assertThatThrownBy(() -> new Preamble(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Preamble(2, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Preamble(1, 256)).isInstanceOf(IllegalArgumentException.class);
        assertThat(decode("434d555801ff0000")).isEqualTo(new Preamble(1, 255));
    }

    @Test
    void negotiationPicksTheHighestCommonVersion() {
        assertThat(Preamble.CURRENT.negotiate(Preamble.CURRENT)).isEqualTo(1);
        assertThat(new Preamble(1, 3).negotiate(new Preamble(2, 5))).isEqualTo(3);
        assertThat(new Preamble(2, 5).negotiate(new Preamble(1, 3))).isEqualTo(3);
        assertThat(new Preamble(1, 1).negotiate(new Preamble(2, 2))).isEqualTo(-1);
        assertThat(new Preamble(2, 2).negotiate(new Preamble(1, 1))).isEqualTo(-1);
        assertThat(new Preamble(1, 4).negotiate(new Preamble(4, 9))).isEqualTo(4);
    }
}
