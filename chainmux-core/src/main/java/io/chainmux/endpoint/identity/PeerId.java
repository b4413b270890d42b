package io.chainmux.endpoint.identity;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Objects;

/**
 * A node's identity on the wire: its raw 32-byte Ed25519 public key (brief section 7).
 * The printable form is {@code "cm"} + lowercase unpadded RFC 4648 base32 of the 32 bytes,
 * 54 characters, e.g. {@code cmaaaa...}; {@link #parse} accepts exactly that form.
 *
 * <p>Immutable and thread-safe. Any 32 bytes make a {@code PeerId}; whether they are a valid
 * curve point only matters when a signature is checked, which then fails.
 */
public final class PeerId implements Comparable<PeerId> {
    public static final int KEY_LENGTH = 32;
    public static final String PREFIX = "cm";
    public static final int PRINTABLE_LENGTH = PREFIX.length() + Base32.encodedLength(KEY_LENGTH);
    /** Characters of {@link #shortForm()}: prefix plus 8 base32 characters (40 bits). */
    public static final int SHORT_LENGTH = 10;

    /** DER of SubjectPublicKeyInfo for Ed25519 (RFC 8410) up to the key: SEQUENCE, AlgorithmIdentifier 1.3.101.112, BIT STRING. */
    private static final byte[] X509_PREFIX = {
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    private final byte[] key;
    private final String printable;

    private PeerId(byte[] key) {
        this.key = key;
        this.printable = PREFIX + Base32.encode(key);
    }

    /** Wraps a copy of a raw 32-byte Ed25519 public key. */
    public static PeerId of(byte[] rawKey) {
        Objects.requireNonNull(rawKey, "rawKey");
        if (rawKey.length != KEY_LENGTH) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes, got " + rawKey.length);
        }
        return new PeerId(rawKey.clone());
    }

    /**
     * Parses the printable form.
     *
     * @throws IllegalArgumentException saying what is wrong: prefix, length or character
     */
    public static PeerId parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("peer id is null");
        }
        if (!text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("invalid peer id '" + abbreviate(text)
                    + "': must start with '" + PREFIX + "'");
        }
        if (text.length() != PRINTABLE_LENGTH) {
            throw new IllegalArgumentException("invalid peer id '" + abbreviate(text) + "': must be "
                    + PRINTABLE_LENGTH + " characters, got " + text.length());
        }
        try {
            return new PeerId(Base32.decode(text, PREFIX.length(), KEY_LENGTH));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid peer id '" + abbreviate(text) + "': " + e.getMessage(), e);
        }
    }

    /**
     * The peer id of an Ed25519 public key.
     *
     * @throws IllegalArgumentException if the key is not Ed25519 (e.g. RSA, EC, Ed448)
     */
    public static PeerId fromPublicKey(PublicKey publicKey) {
        Objects.requireNonNull(publicKey, "publicKey");
        byte[] encoded = "X.509".equals(publicKey.getFormat()) ? publicKey.getEncoded() : null;
        if (encoded == null || encoded.length != X509_PREFIX.length + KEY_LENGTH
                || !Arrays.equals(encoded, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
            throw new IllegalArgumentException("not an Ed25519 public key: algorithm " + publicKey.getAlgorithm()
                    + ", format " + publicKey.getFormat());
        }
        return new PeerId(Arrays.copyOfRange(encoded, X509_PREFIX.length, encoded.length));
    }

    /**
     * This key as a JDK public key (algorithm "EdDSA", X.509 encoding).
     *
     * @throws IllegalArgumentException if the 32 bytes are not a decodable Ed25519 point
     */
    public PublicKey toPublicKey() {
        byte[] encoded = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + KEY_LENGTH);
        System.arraycopy(key, 0, encoded, X509_PREFIX.length, KEY_LENGTH);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("peer id " + shortForm() + " is not a valid Ed25519 key", e);
        }
    }

    /** A copy of the raw 32 key bytes. */
    public byte[] toBytes() {
        return key.clone();
    }

    /** Whether {@code raw} holds exactly this key; no copy. */
    public boolean matches(byte[] raw) {
        return Arrays.equals(key, raw);
    }

    /** The first 10 characters of the printable form, for logs (not unique; never for decisions). */
    public String shortForm() {
        return printable.substring(0, SHORT_LENGTH);
    }

    /** The printable form; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return printable;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerId other && Arrays.equals(key, other.key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key);
    }

    /** Unsigned lexicographic order of the key bytes. */
    @Override
    public int compareTo(PeerId o) {
        return Arrays.compareUnsigned(key, o.key);
    }

    private static String abbreviate(String s) {
        return s.length() <= 70 ? s : s.substring(0, 60) + "...(" + s.length() + " chars)";
    }
}
