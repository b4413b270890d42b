package io.chainmux.endpoint.identity;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SignatureException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SelfSignedCertificateTest {
    static final byte[] ECDSA_SHA256 = Der.sequence(Der.oid("1.2.840.10045.4.3.2"));
    static final byte[] ED25519 = Der.sequence(Der.oid(SelfSignedCertificate.ED25519_OID));

    /** A self-signed EC P-256 certificate: what a non-chainmux TLS peer would present. */
    static X509Certificate ecCertificate(KeyPair ec) {
        Instant now = Instant.now();
        return SelfSignedCertificate.build(ec.getPublic(), ec.getPrivate(), ECDSA_SHA256, "SHA256withECDSA",
                "not-a-node", now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), BigInteger.TEN);
    }

    static KeyPair ecKeyPair() throws Exception {
        return KeyPairGenerator.getInstance("EC").generateKeyPair();
    }

    @Test
    void certificateParsesAndVerifiesWithTheNodeKey() throws Exception {
        NodeIdentity identity = NodeIdentity.generate();
        Instant before = Instant.now();
        X509Certificate cert = SelfSignedCertificate.create(identity);

        // Round trip through the JDK parser from the raw encoding, as a peer sees it.
        X509Certificate parsed = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(cert.getEncoded()));
        parsed.verify(identity.publicKey());
        parsed.verify(parsed.getPublicKey());
        assertThat(parsed.getPublicKey().getEncoded()).isEqualTo(identity.publicKey().getEncoded());
        assertThat(PeerId.fromPublicKey(parsed.getPublicKey())).isEqualTo(identity.peerId());
        assertThat(parsed.getVersion()).isEqualTo(3);
        assertThat(parsed.getSigAlgOID()).isEqualTo("1.3.101.112");
        assertThat(parsed.getSubjectX500Principal().getName()).isEqualTo("CN=" + identity.peerId());
        assertThat(parsed.getIssuerX500Principal()).isEqualTo(parsed.getSubjectX500Principal());
        assertThat(parsed.getSerialNumber()).isPositive();
        assertThat(parsed.getBasicConstraints()).isEqualTo(-1); // not a CA
        assertThat(parsed.getKeyUsage()[0]).isTrue(); // digitalSignature
        assertThat(parsed.getCriticalExtensionOIDs()).containsExactly("2.5.29.15");

        Instant notBefore = parsed.getNotBefore().toInstant();
        Instant notAfter = parsed.getNotAfter().toInstant();
        assertThat(notBefore).isBetween(before.minus(Duration.ofHours(1)).minusSeconds(1),
                Instant.now().minus(Duration.ofHours(1)));
        assertThat(notAfter.atZone(ZoneOffset.UTC).getYear())
                .isEqualTo(before.atZone(ZoneOffset.UTC).getYear() + 100);
        parsed.checkValidity();
    }

    @Test
    void farValidityEndIsGeneralizedTime() throws Exception {
        X509Certificate cert = SelfSignedCertificate.create(NodeIdentity.generate());
        // notAfter (a year > 2049) must be GeneralizedTime: tag 0x18, 15 chars "YYYYMMDDHHMMSSZ".
        String year = String.valueOf(cert.getNotAfter().toInstant().atZone(ZoneOffset.UTC).getYear());
        byte[] expected = new byte[6];
        expected[0] = 0x18;
        expected[1] = 15;
        System.arraycopy(year.getBytes(StandardCharsets.US_ASCII), 0, expected, 2, 4);
        assertThat(HexFormat.of().formatHex(cert.getEncoded())).contains(HexFormat.of().formatHex(expected));
    }

    @Test
    void doesNotVerifyWithAnotherKeyAndSerialsDiffer() {
        NodeIdentity a = NodeIdentity.generate();
        X509Certificate cert = SelfSignedCertificate.create(a);
        assertThatThrownBy(() -> cert.verify(NodeIdentity.generate().publicKey()))
                .isInstanceOf(SignatureException.class);
        assertThat(SelfSignedCertificate.create(a).getSerialNumber()).isNotEqualTo(cert.getSerialNumber());
    }

    @Test
    void rejectsInvalidSerials() {
        NodeIdentity a = NodeIdentity.generate();
        Instant now = Instant.now();
        for (BigInteger serial : new BigInteger[] {BigInteger.ZERO, BigInteger.ONE.negate(), BigInteger.ONE.shiftLeft(159)}) {
            assertThatThrownBy(() -> SelfSignedCertificate.build(a.publicKey(), a.privateKey(), ED25519, "Ed25519",
                    "x", now, now.plusSeconds(60), serial)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("serial");
        }
    }

    // ---- the trust manager's view of certificates ----

    private final Ed25519TrustManager trust = new Ed25519TrustManager(Clock.systemUTC());

    @Test
    void trustManagerAcceptsANodeCertificateAndNamesItsPeer() throws Exception {
        NodeIdentity a = NodeIdentity.generate();
        X509Certificate cert = SelfSignedCertificate.create(a);
        assertThat(trust.check(new X509Certificate[] {cert})).isEqualTo(a.peerId());
        trust.checkClientTrusted(new X509Certificate[] {cert}, "UNKNOWN");
        trust.checkServerTrusted(new X509Certificate[] {cert}, "UNKNOWN");
        assertThat(trust.getAcceptedIssuers()).isEmpty();
    }

    @Test
    void trustManagerRejectsMissingOrLongChains() {
        X509Certificate cert = SelfSignedCertificate.create(NodeIdentity.generate());
        assertThatThrownBy(() -> trust.check(null)).isInstanceOf(CertificateException.class)
                .hasMessageContaining("no certificate");
        assertThatThrownBy(() -> trust.check(new X509Certificate[0])).hasMessageContaining("no certificate");
        assertThatThrownBy(() -> trust.check(new X509Certificate[] {cert, cert}))
                .isInstanceOf(CertificateException.class).hasMessageContaining("chain of 2");
    }

    @Test
    void trustManagerRejectsNonEd25519Keys() throws Exception {
        X509Certificate ec = ecCertificate(ecKeyPair());
        assertThatThrownBy(() -> trust.check(new X509Certificate[] {ec})).isInstanceOf(CertificateException.class)
                .hasMessageContaining("EC key").hasMessageContaining("requires an Ed25519 key");
    }

    @Test
    void trustManagerRejectsEd25519KeySignedWithAnotherAlgorithm() throws Exception {
        NodeIdentity a = NodeIdentity.generate();
        KeyPair ec = ecKeyPair();
        Instant now = Instant.now();
        X509Certificate cert = SelfSignedCertificate.build(a.publicKey(), ec.getPrivate(), ECDSA_SHA256,
                "SHA256withECDSA", "x", now.minusSeconds(60), now.plusSeconds(3600), BigInteger.ONE);
        assertThatThrownBy(() -> trust.check(new X509Certificate[] {cert})).isInstanceOf(CertificateException.class)
                .hasMessageContaining("expected Ed25519");
    }

    @Test
    void trustManagerRejectsCertificateNotSignedByItsOwnKey() {
        NodeIdentity a = NodeIdentity.generate();
        NodeIdentity b = NodeIdentity.generate();
        Instant now = Instant.now();
        X509Certificate forged = SelfSignedCertificate.build(a.publicKey(), b.privateKey(), ED25519, "Ed25519",
                a.peerId().toString(), now.minusSeconds(60), now.plusSeconds(3600), BigInteger.ONE);
        assertThatThrownBy(() -> trust.check(new X509Certificate[] {forged}))
                .isInstanceOf(CertificateException.class).hasMessageContaining("not self-signed by its own key");
    }

    @Test
    void trustManagerChecksValidityAgainstItsClock() {
        X509Certificate cert = SelfSignedCertificate.create(NodeIdentity.generate());
        Instant notBefore = cert.getNotBefore().toInstant();
        Instant notAfter = cert.getNotAfter().toInstant();
        Ed25519TrustManager early = new Ed25519TrustManager(Clock.fixed(notBefore.minusSeconds(1), ZoneOffset.UTC));
        Ed25519TrustManager late = new Ed25519TrustManager(Clock.fixed(notAfter.plusSeconds(1), ZoneOffset.UTC));
        Ed25519TrustManager edge = new Ed25519TrustManager(Clock.fixed(notAfter, ZoneOffset.UTC));
        X509Certificate[] chain = {cert};
        assertThatThrownBy(() -> early.check(chain)).isInstanceOf(CertificateNotYetValidException.class);
        assertThatThrownBy(() -> late.check(chain)).isInstanceOf(CertificateExpiredException.class);
        assertThatCode(() -> edge.check(chain)).doesNotThrowAnyException();
    }
}
