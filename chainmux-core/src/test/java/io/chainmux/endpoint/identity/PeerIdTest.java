package io.chainmux.endpoint.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PeerIdTest {
    private static final String ZERO = "cm" + "a".repeat(52);

    @ParameterizedTest
    @CsvSource({"'',''", "f,my", "fo,mzxq", "foo,mzxw6", "foob,mzxw6yq", "fooba,mzxw6ytb", "foobar,mzxw6ytboi"})
    void base32MatchesRfc4648Vectors(String plain, String encoded) {
        byte[] bytes = plain.getBytes(StandardCharsets.US_ASCII);
        assertThat(Base32.encode(bytes)).isEqualTo(encoded);
        assertThat(Base32.decode(encoded, 0, bytes.length)).isEqualTo(bytes);
    }

    @Test
    void printableFormHasPrefixAnd52Base32Characters() {
        assertThat(PeerId.of(new byte[32]).toString()).isEqualTo(ZERO).hasSize(54);
        byte[] ones = new byte[32];
        Arrays.fill(ones, (byte) 0xFF);
        // 256 bits = 51 full characters + 1 bit, padded with four zero bits: 0b10000 = 'q'.
        assertThat(PeerId.of(ones).toString()).isEqualTo("cm" + "7".repeat(51) + "q");
        assertThat(PeerId.PRINTABLE_LENGTH).isEqualTo(54);
    }

    @Test
    void roundTripsThroughPrintableBytesAndPublicKey() {
        for (int i = 0; i < 20; i++) {
            NodeIdentity identity = NodeIdentity.generate();
            PeerId id = identity.peerId();
            assertThat(PeerId.parse(id.toString())).isEqualTo(id).hasSameHashCodeAs(id);
            assertThat(PeerId.of(id.toBytes())).isEqualTo(id);
            PublicKey key = id.toPublicKey();
            assertThat(key.getEncoded()).isEqualTo(identity.publicKey().getEncoded());
            assertThat(PeerId.fromPublicKey(key)).isEqualTo(id);
            assertThat(id.shortForm()).hasSize(10).isEqualTo(id.toString().substring(0, 10));
        }
    }

    @Test
    void valueSemantics() {
        byte[] raw = new byte[32];
        raw[31] = 1;
        PeerId a = PeerId.of(raw);
        raw[0] = 9; // the id keeps its own copy
        assertThat(a.toBytes()[0]).isZero();
        assertThat(a.matches(a.toBytes())).isTrue();
        PeerId zero = PeerId.of(new byte[32]);
        assertThat(a).isNotEqualTo(zero).isNotEqualTo("x");
        assertThat(zero.compareTo(a)).isNegative();
        byte[] high = new byte[32];
        high[0] = (byte) 0x80; // unsigned order: 0x80 sorts after 0x00
        assertThat(PeerId.of(high).compareTo(a)).isPositive();
    }

    @Test
    void rejectsWrongRawLength() {
        assertThatThrownBy(() -> PeerId.of(new byte[31])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32 bytes, got 31");
        assertThatThrownBy(() -> PeerId.of(new byte[33])).hasMessageContaining("got 33");
    }

    @Test
    void parseRejectsNullAndEmpty() {
        assertThatThrownBy(() -> PeerId.parse(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
        assertThatThrownBy(() -> PeerId.parse("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must start with 'cm'");
    }

    @Test
    void parseRejectsWrongPrefix() {
        assertThatThrownBy(() -> PeerId.parse("xy" + ZERO.substring(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must start with 'cm'");
        assertThatThrownBy(() -> PeerId.parse("CM" + ZERO.substring(2)))
                .hasMessageContaining("must start with 'cm'");
        assertThatThrownBy(() -> PeerId.parse(ZERO.substring(2) + "aa"))
                .hasMessageContaining("must start with 'cm'");
    }

    @Test
    void parseRejectsWrongLength() {
        assertThatThrownBy(() -> PeerId.parse(ZERO.substring(0, 53)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be 54 characters, got 53");
        assertThatThrownBy(() -> PeerId.parse(ZERO + "a")).hasMessageContaining("got 55");
        assertThatThrownBy(() -> PeerId.parse("cm")).hasMessageContaining("got 2");
        String huge = "cm" + "a".repeat(10_000);
        assertThatThrownBy(() -> PeerId.parse(huge)).hasMessageContaining("got 10002")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    }

    @ParameterizedTest
    @CsvSource({"1", "0", "8", "9", "=", "-", "A", "Z", "é", "' '"})
    void parseRejectsCharactersOutsideTheAlphabet(String bad) {
        String text = ZERO.substring(0, 20) + bad + ZERO.substring(21);
        assertThatThrownBy(() -> PeerId.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid base32 character").hasMessageContaining("position 20");
    }

    @Test
    void uppercaseGetsAHint() {
        String upper = "cm" + ZERO.substring(2).toUpperCase();
        assertThatThrownBy(() -> PeerId.parse(upper)).hasMessageContaining("lowercase");
    }

    @Test
    void parseRejectsNonCanonicalLastCharacter() {
        // 'r' = 0b10001: the low four bits are padding and must be zero, so only 'q' is valid here.
        String text = "cm" + "7".repeat(51) + "r";
        assertThatThrownBy(() -> PeerId.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-canonical");
    }

    @Test
    void fromPublicKeyRejectsOtherKeyTypes() throws Exception {
        PublicKey ec = KeyPairGenerator.getInstance("EC").generateKeyPair().getPublic();
        assertThatThrownBy(() -> PeerId.fromPublicKey(ec)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an Ed25519 public key").hasMessageContaining("EC");
        PublicKey ed448 = KeyPairGenerator.getInstance("Ed448").generateKeyPair().getPublic();
        assertThatThrownBy(() -> PeerId.fromPublicKey(ed448)).hasMessageContaining("not an Ed25519 public key");
    }
}
