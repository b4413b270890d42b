package io.chainmux.endpoint.identity;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Date;

/**
 * Trusts exactly one self-signed Ed25519 certificate: there is no CA, the certificate only proves
 * that the TLS peer holds the private key of the {@link PeerId} it contains. Which peer id is
 * acceptable is decided later, by the identity handshake ({@link HandshakeVerifier}), which also
 * binds the HELLO key to this certificate's key.
 *
 * <p>Checks: one certificate, an Ed25519 public key, signature algorithm Ed25519, its signature
 * verifies with its own key, and the current time is within its validity. Names, extensions and
 * the host name are ignored on purpose (nothing but the key identifies a node).
 *
 * <p>Extends {@link X509ExtendedTrustManager} so the JDK uses it as is instead of wrapping it with
 * its own (PKIX-oriented) extra checks. Immutable and thread-safe.
 */
final class Ed25519TrustManager extends X509ExtendedTrustManager {
    private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

    private final Clock clock;

    Ed25519TrustManager(Clock clock) {
        this.clock = clock;
    }

    /**
     * The peer id the chain proves, or an exception saying why it is not acceptable.
     */
    PeerId check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("peer presented no certificate; chainmux TLS requires one");
        }
        if (chain.length != 1) {
            throw new CertificateException("peer presented a chain of " + chain.length
                    + " certificates; chainmux expects exactly one self-signed certificate");
        }
        X509Certificate cert = chain[0];
        PeerId peer;
        try {
            peer = PeerId.fromPublicKey(cert.getPublicKey());
        } catch (IllegalArgumentException e) {
            throw new CertificateException("peer certificate has a " + cert.getPublicKey().getAlgorithm()
                    + " key; chainmux requires an Ed25519 key (the node identity)");
        }
        if (!SelfSignedCertificate.ED25519_OID.equals(cert.getSigAlgOID())) {
            throw new CertificateException("peer certificate " + peer.shortForm() + " is signed with "
                    + cert.getSigAlgName() + " (" + cert.getSigAlgOID() + "), expected Ed25519");
        }
        try {
            cert.verify(cert.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new CertificateException("peer certificate " + peer.shortForm()
                    + " is not self-signed by its own key: " + e.getMessage(), e);
        }
        // Throws CertificateExpiredException / CertificateNotYetValidException, both CertificateExceptions.
        cert.checkValidity(Date.from(clock.instant()));
        return peer;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
    }

    /** No CA names: the client is not told which issuers to use; it sends its node certificate. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return NO_ISSUERS;
    }
}
