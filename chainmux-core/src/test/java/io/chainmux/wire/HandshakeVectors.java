package io.chainmux.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;

/**
 * The HELLO/AUTH payload layouts and the AUTH transcript (docs/PROTOCOL.md section 5), written
 * from the specification for test vectors; the endpoint owns the real handshake. Keys are made
 * from fixed RFC 8032 seeds so the vectors can be checked with any Ed25519 library.
 */
final class HandshakeVectors {
    private HandshakeVectors() {}

    static final byte[] CONTEXT = "chainmux-auth-v1".getBytes(StandardCharsets.US_ASCII);
    static final int ROLE_DIALER = 1;
    static final int ROLE_LISTENER = 2;
    static final int KEY_LENGTH = 32;
    static final int NONCE_LENGTH = 32;
    static final int SIGNATURE_LENGTH = 64;
    /** public key + nonce + stripe index + stripe count + address length. */
    static final int HELLO_FIXED_LENGTH = KEY_LENGTH + NONCE_LENGTH + 3;

    record Hello(byte[] publicKey, byte[] nonce, int stripeIndex, int stripeCount, String address) {
        byte[] encode() {
            byte[] a = address.getBytes(StandardCharsets.US_ASCII);
            ByteBuf b = Unpooled.buffer();
            try {
                b.writeBytes(publicKey).writeBytes(nonce).writeByte(stripeIndex).writeByte(stripeCount)
                        .writeByte(a.length).writeBytes(a);
                return ByteBufUtil.getBytes(b);
            } finally {
                b.release();
            }
        }

        static Hello decode(byte[] p) {
            if (p.length < HELLO_FIXED_LENGTH || p.length != HELLO_FIXED_LENGTH + (p[HELLO_FIXED_LENGTH - 1] & 0xFF)) {
                throw MuxException.connection(ErrorCode.FRAME_SIZE_ERROR, "HELLO payload of %d bytes", p.length);
            }
            return new Hello(Arrays.copyOfRange(p, 0, 32), Arrays.copyOfRange(p, 32, 64), p[64] & 0xFF, p[65] & 0xFF,
                    new String(p, HELLO_FIXED_LENGTH, p.length - HELLO_FIXED_LENGTH, StandardCharsets.US_ASCII));
        }
    }

    /** The 146-byte transcript one side signs. */
    static byte[] transcript(int role, byte[] signerKey, byte[] verifierKey, byte[] signerNonce, byte[] verifierNonce,
                             int stripeIndex) {
        ByteBuf b = Unpooled.buffer();
        try {
            b.writeBytes(CONTEXT).writeByte(role).writeBytes(signerKey).writeBytes(verifierKey)
                    .writeBytes(signerNonce).writeBytes(verifierNonce).writeByte(stripeIndex);
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    /** An Ed25519 key pair from a 32-byte RFC 8032 secret key (seed). */
    static KeyPair keyPair(byte[] seed) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
        g.initialize(NamedParameterSpec.ED25519, new SecureRandom() {
            private static final long serialVersionUID = 1L;

            @Override
            public void nextBytes(byte[] bytes) {
                System.arraycopy(seed, 0, bytes, 0, bytes.length);
            }
        });
        return g.generateKeyPair();
    }

    /** The raw 32-byte public key: the last 32 bytes of the X.509 encoding. */
    static byte[] rawPublicKey(PublicKey key) {
        byte[] x509 = key.getEncoded();
        return Arrays.copyOfRange(x509, x509.length - KEY_LENGTH, x509.length);
    }

    static byte[] sign(KeyPair kp, byte[] message) throws GeneralSecurityException {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(kp.getPrivate());
        s.update(message);
        return s.sign();
    }

    static boolean verify(PublicKey key, byte[] message, byte[] signature) throws GeneralSecurityException {
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(key);
        s.update(message);
        return s.verify(signature);
    }

    /** Printable peer id: "cm" + lowercase RFC 4648 base32 of the key, no padding (54 characters). */
    static String peerId(byte[] publicKey) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        StringBuilder sb = new StringBuilder("cm");
        int buffer = 0;
        int bits = 0;
        for (byte b : publicKey) {
            buffer = (buffer << 8) | (b & 0xFF);
            bits += 8;
            while (bits >= 5) {
                sb.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            sb.append(alphabet.charAt((buffer << (5 - bits)) & 31));
        }
        return sb.toString();
    }
}
