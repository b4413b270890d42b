package io.chainmux.endpoint.identity;

/**
 * Lowercase RFC 4648 base32 without padding. The JDK and Netty have no base32 codec, and peer ids
 * need only this small one. Decoding is strict: it accepts exactly the strings {@link #encode}
 * produces, so every byte string has one printable form.
 */
final class Base32 {
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private Base32() {}

    /** Characters needed for {@code bytes} bytes: ceil(8 * bytes / 5). */
    static int encodedLength(int bytes) {
        return (bytes * 8 + 4) / 5;
    }

    static String encode(byte[] data) {
        StringBuilder sb = new StringBuilder(encodedLength(data.length));
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xFF);
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                sb.append(ALPHABET[(buffer >>> bits) & 0x1F]);
            }
        }
        if (bits > 0) {
            sb.append(ALPHABET[(buffer << (5 - bits)) & 0x1F]);
        }
        return sb.toString();
    }

    /**
     * Decodes {@code text[from..]} into exactly {@code length} bytes.
     *
     * @throws IllegalArgumentException naming the offending character or the wrong length
     */
    static byte[] decode(CharSequence text, int from, int length) {
        int chars = text.length() - from;
        if (chars != encodedLength(length)) {
            throw new IllegalArgumentException("expected " + encodedLength(length) + " base32 characters, got " + chars);
        }
        byte[] out = new byte[length];
        int buffer = 0;
        int bits = 0;
        int n = 0;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            int v = value(c);
            if (v < 0) {
                String hint = c >= 'A' && c <= 'Z' ? " (base32 here is lowercase)" : "";
                throw new IllegalArgumentException(String.format(
                        "invalid base32 character '%s' at position %d%s; allowed are a-z and 2-7",
                        printable(c), i, hint));
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                out[n++] = (byte) (buffer >>> bits);
            }
        }
        // The unused low bits of the last character must be zero, else two strings name one value.
        if ((buffer & ((1 << bits) - 1)) != 0) {
            throw new IllegalArgumentException("non-canonical base32: the last character '"
                    + text.charAt(text.length() - 1) + "' has nonzero padding bits");
        }
        return out;
    }

    private static int value(char c) {
        if (c >= 'a' && c <= 'z') {
            return c - 'a';
        }
        if (c >= '2' && c <= '7') {
            return c - '2' + 26;
        }
        return -1;
    }

    private static String printable(char c) {
        return c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c);
    }
}
