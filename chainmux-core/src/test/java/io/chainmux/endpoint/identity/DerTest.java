package io.chainmux.endpoint.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DerTest {
    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @ParameterizedTest
    @CsvSource({"0,0400", "1,0401", "127,047f", "128,048180", "255,0481ff", "256,04820100", "65535,0482ffff",
            "65536,0483010000"})
    void lengthUsesShortFormBelow128AndMinimalLongFormAbove(int length, String header) {
        byte[] tlv = Der.octetString(new byte[length]);
        assertThat(hex(Arrays.copyOf(tlv, header.length() / 2))).isEqualTo(header);
        assertThat(tlv).hasSize(header.length() / 2 + length);
    }

    @ParameterizedTest
    @CsvSource({"1.3.101.112,06032b6570", "2.5.4.3,0603550403", "2.5.29.15,0603551d0f",
            "1.2.840.113549,06062a864886f70d", "1.2.840.10045.4.3.2,06082a8648ce3d040302", "2.999,06028837",
            "1.3.6.1.4.1.0,06062b0601040100"})
    void encodesObjectIdentifiers(String oid, String expected) {
        assertThat(hex(Der.oid(oid))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "", "3.1", "1.40", "0.40.1", "1.x", "1..2", "1.-2"})
    void rejectsInvalidObjectIdentifiers(String oid) {
        assertThatThrownBy(() -> Der.oid(oid)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(oid);
    }

    @ParameterizedTest
    @CsvSource({"0,020100", "1,020101", "127,02017f", "128,02020080", "255,020200ff", "256,02020100",
            "-1,0201ff", "-128,020180", "-129,0202ff7f"})
    void encodesIntegersMinimally(long value, String expected) {
        assertThat(hex(Der.integer(value))).isEqualTo(expected);
        assertThat(hex(Der.integer(BigInteger.valueOf(value)))).isEqualTo(expected);
    }

    @Test
    void encodesSimpleTypes() {
        assertThat(hex(Der.bool(true))).isEqualTo("0101ff");
        assertThat(hex(Der.bool(false))).isEqualTo("010100");
        assertThat(hex(Der.bitString(new byte[] {(byte) 0x80}, 7))).isEqualTo("03020780");
        assertThat(hex(Der.bitString(new byte[0], 0))).isEqualTo("030100");
        assertThat(hex(Der.utf8String("cm"))).isEqualTo("0c02636d");
        assertThat(hex(Der.sequence())).isEqualTo("3000");
        assertThat(hex(Der.sequence(Der.integer(1), Der.bool(true)))).isEqualTo("30060201010101ff");
        assertThat(hex(Der.set(Der.integer(2)))).isEqualTo("3103020102");
        assertThat(hex(Der.explicit(0, Der.integer(2)))).isEqualTo("a003020102");
        assertThat(hex(Der.explicit(3, Der.sequence()))).isEqualTo("a3023000");
        assertThatThrownBy(() -> Der.bitString(new byte[1], 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Der.bitString(new byte[0], 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Der.explicit(31, new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({
            "2049-12-31T23:59:59Z,170d3439313233313233353935395a", // UTCTime "491231235959Z"
            "1950-01-01T00:00:00Z,170d3530303130313030303030305a", // UTCTime "500101000000Z"
            "2026-03-04T05:06:07.999Z,170d3236303330343035303630375a", // fraction dropped
            "2050-01-01T00:00:00Z,180f32303530303130313030303030305a", // GeneralizedTime "20500101000000Z"
            "1949-12-31T23:59:59Z,180f31393439313233313233353935395a",
            "2126-11-25T17:00:00Z,180f32313236313132353137303030305a"})
    void usesUtcTimeUntil2049AndGeneralizedTimeOtherwise(String instant, String expected) {
        assertThat(hex(Der.time(Instant.parse(instant)))).isEqualTo(expected);
    }

    @Test
    void rejectsYearsBeyondFourDigits() {
        assertThatThrownBy(() -> Der.time(Instant.parse("+10000-01-01T00:00:00Z")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10000");
    }
}
