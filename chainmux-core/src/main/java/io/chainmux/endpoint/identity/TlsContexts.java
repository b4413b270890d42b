package io.chainmux.endpoint.identity;

import io.chainmux.config.Internal;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Objects;

/**
 * Netty TLS contexts bound to a {@link NodeIdentity}: TLS 1.3 only, JDK provider, mutual
 * authentication with each side's {@link SelfSignedCertificate} (Ed25519, signature scheme
 * {@code ed25519}), no CAs and no host name checks.
 *
 * <p>Use:
 * <pre>{@code
 * TlsContexts tls = TlsContexts.create(identity);                  // once per node
 * pipeline.addLast(tls.server().newHandler(ch.alloc()));            // accepted channel
 * pipeline.addLast(tls.client().newHandler(ch.alloc()));            // dialed channel
 * // after SslHandler.handshakeFuture() succeeds:
 * PeerId tlsPeer = TlsContexts.peerId(sslHandler);                  // give to HandshakeVerifier
 * }</pre>
 * TLS only proves the peer holds the key of {@code tlsPeer}; whether that peer is wanted, and that
 * the chainmux HELLO came from the same key, is checked by {@link HandshakeVerifier}.
 *
 * <p>Immutable and thread-safe; one instance serves any number of channels.
 */
@Internal
public final class TlsContexts {
    public static final String PROTOCOL = "TLSv1.3";

    private final X509Certificate certificate;
    private final SslContext server;
    private final SslContext client;

    private TlsContexts(X509Certificate certificate, SslContext server, SslContext client) {
        this.certificate = certificate;
        this.server = server;
        this.client = client;
    }

    /**
     * Creates the node certificate and the server and client contexts.
     *
     * @throws SSLException if the JDK's TLS provider rejects the configuration
     */
    public static TlsContexts create(NodeIdentity identity) throws SSLException {
        return create(identity, Clock.systemUTC());
    }

    static TlsContexts create(NodeIdentity identity, Clock clock) throws SSLException {
        Objects.requireNonNull(identity, "identity");
        X509Certificate cert = SelfSignedCertificate.create(identity);
        Ed25519TrustManager trust = new Ed25519TrustManager(clock);
        SslContext server = SslContextBuilder.forServer(identity.privateKey(), cert)
                .sslProvider(SslProvider.JDK)
                .protocols(PROTOCOL)
                .clientAuth(ClientAuth.REQUIRE)
                .trustManager(trust)
                .build();
        SslContext client = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols(PROTOCOL)
                .keyManager(identity.privateKey(), cert)
                .trustManager(trust)
                .endpointIdentificationAlgorithm(null) // peers are named by key, not by host name
                .build();
        return new TlsContexts(cert, server, client);
    }

    /** For accepted (listener-side) channels; requires a client certificate. */
    public SslContext server() {
        return server;
    }

    /** For dialed channels; presents this node's certificate when the server asks. */
    public SslContext client() {
        return client;
    }

    /** The self-signed certificate this node presents. */
    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * The authenticated peer of a channel whose TLS handshake has completed.
     *
     * @throws IllegalStateException if the handshake has not completed or the peer is not authenticated
     */
    public static PeerId peerId(SslHandler handler) {
        return peerId(handler.engine().getSession());
    }

    /** As {@link #peerId(SslHandler)}, from the TLS session. */
    public static PeerId peerId(SSLSession session) {
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            throw new IllegalStateException("TLS peer is not authenticated (handshake not complete?)", e);
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
            throw new IllegalStateException("TLS peer presented no X.509 certificate");
        }
        // The trust manager has accepted only Ed25519 keys; this cannot fail for a completed handshake.
        return PeerId.fromPublicKey(cert.getPublicKey());
    }
}
