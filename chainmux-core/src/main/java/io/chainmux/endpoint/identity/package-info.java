/**
 * Node identity and the authentication of peers (brief section 7).
 *
 * <ul>
 *   <li>{@link io.chainmux.endpoint.identity.NodeIdentity}: the node's Ed25519 key pair, kept in an
 *       owner-only key file; signs.</li>
 *   <li>{@link io.chainmux.endpoint.identity.PeerId}: a node's public identity, the raw 32-byte
 *       Ed25519 public key, printed as {@code cm} + base32.</li>
 *   <li>{@link io.chainmux.endpoint.identity.TlsContexts}: TLS 1.3 with mutual authentication by
 *       each node's {@link io.chainmux.endpoint.identity.SelfSignedCertificate} (no CAs).</li>
 *   <li>{@link io.chainmux.endpoint.identity.Hello}, {@link io.chainmux.endpoint.identity.Auth}:
 *       the HELLO and AUTH payloads; {@link io.chainmux.endpoint.identity.HandshakeVerifier} runs
 *       every check of one connection's handshake and fails with a
 *       {@link io.chainmux.endpoint.identity.HandshakeException} carrying a reason for metrics.</li>
 * </ul>
 * Only JDK cryptography is used (Ed25519 from Java 15+, the JDK TLS provider through Netty).
 * The endpoint drives the handshake on a channel (preamble, HELLO, AUTH, deadline); this package
 * knows nothing of channels beyond reading the TLS peer from an {@code SslHandler}.
 *
 * <p>Threading: everything is immutable and thread-safe except {@code HandshakeVerifier}, which
 * holds one handshake's state and must stay on its channel's event loop.
 */
package io.chainmux.endpoint.identity;
