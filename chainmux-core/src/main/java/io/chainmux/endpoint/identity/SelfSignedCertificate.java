package io.chainmux.endpoint.identity;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Builds the self-signed X.509 v3 certificate a node presents in TLS. Its subject public key IS
 * the node's Ed25519 key and it is signed with that key (algorithm 1.3.101.112, RFC 8410), so a
 * peer that checks the certificate's own signature knows the TLS peer holds the private key of
 * the {@link PeerId} in it. Subject and issuer are {@code CN=<printable peer id>}, validity is
 * one hour back (clock skew) to 100 years ahead, the serial is random and positive, and the
 * extensions say "end entity, for signatures": basicConstraints cA=false and a critical
 * keyUsage of digitalSignature. Nothing but the key carries meaning: peers ignore the name.
 *
 * <p>Stateless and thread-safe. The certificate is cheap to make, so it is not stored: each
 * process creates one at startup from the node's key.
 */
public final class SelfSignedCertificate {
    static final String ED25519_OID = "1.3.101.112";
    static final Duration BACKDATE = Duration.ofHours(1);
    static final int VALIDITY_YEARS = 100;

    private static final String CN_OID = "2.5.4.3";
    private static final String BASIC_CONSTRAINTS_OID = "2.5.29.19";
    private static final String KEY_USAGE_OID = "2.5.29.15";
    /** KeyUsage BIT STRING with only bit 0 (digitalSignature) set: 7 unused bits, value 0x80. */
    private static final byte[] KEY_USAGE_DIGITAL_SIGNATURE = {(byte) 0x80};

    private SelfSignedCertificate() {}

    /** The node's certificate, valid from one hour ago for {@value #VALIDITY_YEARS} years. */
    public static X509Certificate create(NodeIdentity identity) {
        Instant now = Instant.now();
        Instant notAfter = now.atZone(ZoneOffset.UTC).plusYears(VALIDITY_YEARS).toInstant();
        return build(identity.publicKey(), identity.privateKey(), Der.sequence(Der.oid(ED25519_OID)),
                NodeIdentity.ALGORITHM, identity.peerId().toString(), now.minus(BACKDATE), notAfter, randomSerial());
    }

    /**
     * Builds and self-signs a certificate. Package-private and general in the signature algorithm
     * only so that tests can make certificates this class must never produce (EC keys, expired).
     *
     * @param algorithmId the DER AlgorithmIdentifier of the signature, e.g. SEQUENCE { 1.3.101.112 }
     * @param jcaAlgorithm the matching JCA signature name, e.g. "Ed25519"
     */
    static X509Certificate build(PublicKey publicKey, PrivateKey signingKey, byte[] algorithmId, String jcaAlgorithm,
                                 String commonName, Instant notBefore, Instant notAfter, BigInteger serial) {
        if (serial.signum() <= 0 || serial.bitLength() > 159) {
            throw new IllegalArgumentException("serial must be positive and at most 20 bytes: " + serial);
        }
        byte[] name = Der.sequence(Der.set(Der.sequence(Der.oid(CN_OID), Der.utf8String(commonName))));
        byte[] extensions = Der.explicit(3, Der.sequence(
                Der.sequence(Der.oid(BASIC_CONSTRAINTS_OID), Der.octetString(Der.sequence())),
                Der.sequence(Der.oid(KEY_USAGE_OID), Der.bool(true),
                        Der.octetString(Der.bitString(KEY_USAGE_DIGITAL_SIGNATURE, 7)))));
        byte[] tbs = Der.sequence(
                Der.explicit(0, Der.integer(2)), // version v3
                Der.integer(serial),
                algorithmId,
                name, // issuer = subject: self-signed
                Der.sequence(Der.time(notBefore), Der.time(notAfter)),
                name,
                publicKey.getEncoded(), // SubjectPublicKeyInfo, already DER
                extensions);
        try {
            Signature signer = Signature.getInstance(jcaAlgorithm);
            signer.initSign(signingKey);
            signer.update(tbs);
            byte[] cert = Der.sequence(tbs, algorithmId, Der.bitString(signer.sign(), 0));
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(cert));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a self-signed " + jcaAlgorithm + " certificate", e);
        }
    }

    /** 16 random bytes, positive and nonzero (RFC 5280: at most 20 octets, positive). */
    static BigInteger randomSerial() {
        byte[] b = new byte[16];
        BigInteger serial;
        do {
            NodeIdentity.RANDOM.nextBytes(b);
            serial = new BigInteger(1, b);
        } while (serial.signum() == 0);
        return serial;
    }
}
