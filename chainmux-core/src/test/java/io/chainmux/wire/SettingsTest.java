package io.chainmux.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class SettingsTest {

    private static Settings decode(String hex) {
        ByteBuf p = Unpooled.wrappedBuffer(Frames.unhex(hex));
        try {
            return Settings.decode(p);
        } finally {
            p.release();
        }
    }

    private static String entry(int id, long value) {
        return String.format("%04x%08x", id, value);
    }

    @Test
    void defaultsMatchTheSpecification() {
        assertThat(Settings.defaults()).isEqualTo(new Settings(16_384, 262_144, 16_777_216, 2_048, 16_777_216));
        assertThat(decode("")).isEqualTo(Settings.defaults());
    }

    @Test
    void idsAndRanges() {
        assertThat(SettingId.fromId(1)).isEqualTo(SettingId.MAX_FRAME_SIZE);
        assertThat(SettingId.fromId(5)).isEqualTo(SettingId.MAX_MESSAGE_SIZE);
        assertThat(SettingId.fromId(0)).isNull();
        assertThat(SettingId.fromId(6)).isNull();
        assertThat(SettingId.fromId(0xFFFF)).isNull();
        assertThat(SettingId.MAX_FRAME_SIZE.allows(1024)).isTrue();
        assertThat(SettingId.MAX_FRAME_SIZE.allows(1023)).isFalse();
        assertThat(SettingId.MAX_FRAME_SIZE.allows((1 << 24) - 1)).isTrue();
        assertThat(SettingId.MAX_FRAME_SIZE.allows(1 << 24)).isFalse();
        assertThat(SettingId.INITIAL_STREAM_WINDOW.allows(0)).isTrue();
        assertThat(SettingId.INITIAL_STREAM_WINDOW.allows(1L << 31)).isFalse();
        assertThat(SettingId.MAX_MESSAGE_SIZE.allows(0)).isFalse();
        for (SettingId s : SettingId.values()) {
            assertThat(s.allows(s.defaultValue)).as(s.name()).isTrue();
            assertThat(s.allows(0xFFFFFFFFL)).as(s.name()).isFalse();
        }
    }

    @Test
    void constructorRejectsEveryOutOfRangeValue() {
        assertThatThrownBy(() -> new Settings(1023, 0, 0, 0, 1)).hasMessageContaining("MAX_FRAME_SIZE");
        assertThatThrownBy(() -> new Settings(1 << 24, 0, 0, 0, 1)).hasMessageContaining("MAX_FRAME_SIZE");
        assertThatThrownBy(() -> new Settings(1024, -1, 0, 0, 1)).hasMessageContaining("INITIAL_STREAM_WINDOW");
        assertThatThrownBy(() -> new Settings(1024, 0, -1, 0, 1)).hasMessageContaining("INITIAL_CONNECTION_WINDOW");
        assertThatThrownBy(() -> new Settings(1024, 0, 0, -1, 1)).hasMessageContaining("MAX_STREAMS");
        assertThatThrownBy(() -> new Settings(1024, 0, 0, 0, 0)).hasMessageContaining("MAX_MESSAGE_SIZE");
        Settings edges = new Settings((1 << 24) - 1, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE,
                Integer.MAX_VALUE);
        assertThat(roundTrip(edges)).isEqualTo(edges);
        Settings low = new Settings(1024, 0, 0, 0, 1);
        assertThat(roundTrip(low)).isEqualTo(low);
    }

    private static Settings roundTrip(Settings s) {
        ByteBuf b = Unpooled.buffer();
        try {
            s.encode(b);
            assertThat(b.readableBytes()).isEqualTo(s.encodedLength()).isEqualTo(30);
            return Settings.decode(b);
        } finally {
            b.release();
        }
    }

    @Test
    void encodesEveryIdInOrder() {
        ByteBuf b = Unpooled.buffer();
        try {
            Settings.defaults().encode(b);
            assertThat(Frames.hex(io.netty.buffer.ByteBufUtil.getBytes(b))).isEqualTo(
                    entry(1, 16384) + entry(2, 262144) + entry(3, 16777216) + entry(4, 2048) + entry(5, 16777216));
        } finally {
            b.release();
        }
    }

    @Test
    void absentIdsKeepDefaultsUnknownIdsAreIgnoredLastDuplicateWins() {
        assertThat(decode(entry(4, 10))).isEqualTo(new Settings(16_384, 262_144, 16_777_216, 10, 16_777_216));
        assertThat(decode(entry(0x99, 0xFFFFFFFFL) + entry(0, 0) + entry(2, 5)))
                .isEqualTo(new Settings(16_384, 5, 16_777_216, 2_048, 16_777_216));
        assertThat(decode(entry(1, 2048) + entry(1, 4096)).maxFrameSize()).isEqualTo(4096);
    }

    @Test
    void outOfRangeValuesAreConnectionProtocolErrors() {
        String[] bad = {entry(1, 1023), entry(1, 1 << 24), entry(2, 1L << 31), entry(3, 0xFFFFFFFFL),
            entry(4, 1L << 31), entry(5, 0), entry(5, 1L << 31)};
        for (String hex : bad) {
            MuxException e = catchThrowableOfType(MuxException.class, () -> decode(hex));
            assertThat(e).as(hex).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
            assertThat(e.isConnectionError()).isTrue();
        }
        // A valid duplicate does not hide an invalid one.
        assertThat(catchThrowableOfType(MuxException.class, () -> decode(entry(5, 0) + entry(5, 10)))).isNotNull();
    }
}
