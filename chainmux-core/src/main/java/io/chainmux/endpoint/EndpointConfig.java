package io.chainmux.endpoint;

import io.chainmux.config.ConfigChecks;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.mux.MuxConfig;
import io.chainmux.mux.RateLimit;

import java.time.Duration;
import java.util.Objects;

/**
 * Everything an {@link Endpoint} needs; immutable and validated in one place. Build with
 * {@link #builder(NodeIdentity)}; every field but the identity has a default.
 *
 * @param identity              this node's key pair
 * @param listen                where to accept connections, or null for a dial-only endpoint
 * @param advertisedAddress     the {@code host:port} peers should dial (sent in HELLO), or "" for none
 * @param transport             epoll or NIO
 * @param ioThreads             event-loop threads (default: one per core)
 * @param tls                   wrap every connection in TLS 1.3 bound to the node identity
 * @param stripes               TCP connections this node dials per peer (K)
 * @param maxStripesPerPeer     stripes a peer may open to us ({@link Limit#MAX_STRIPES_PER_PEER})
 * @param stripePolicy          which stripe a new stream goes on (by measured load by default)
 * @param maxInboundConnections {@link Limit#MAX_INBOUND_CONNECTIONS}
 * @param maxInboundPerIp       {@link Limit#MAX_INBOUND_PER_IP}
 * @param handshakeTimeout      {@link Limit#HANDSHAKE_TIMEOUT}
 * @param idleTimeout           {@link Limit#IDLE_TIMEOUT}
 * @param keepAliveInterval     PING this often, busy or not: quiet peers stay alive and the RTT stays current
 * @param connectTimeout        TCP connect timeout
 * @param reconnect             redial policy for lost connections
 * @param mux                   limits of every multiplexed connection
 * @param shutdownGrace         how long {@link Endpoint#close()} lets streams in flight finish
 * @param unusedConnectionTimeout a peer connection this node dialed that has carried no stream for this
 *                              long is closed (GO_AWAY) and not redialed, so peers no network uses any
 *                              more do not keep TCP connections open forever
 * @param handshakeRate         {@link Limit#HANDSHAKE_RATE}: inbound connections one remote address may
 *                              start (a token bucket of {@code count}, refilled at {@code count} per
 *                              {@code window}); each costs us an AUTH signature (and a TLS handshake)
 * @param handshakeRatePerBlock the same for all addresses of one /24 (IPv4) or /64 (IPv6) block
 * @param abuseBudgetPerAddress {@link Limit#ADDRESS_ABUSE_BUDGET}: how many connections' worth of each
 *                              mux abuse budget (premature RESETs received, RESETs provoked, PINGs:
 *                              {@link MuxConfig#receivedResets()}, {@link MuxConfig#sentResets()},
 *                              {@link MuxConfig#pings()}, each per its window) all connections from one
 *                              remote address may use together, so a peer that redials with a fresh
 *                              identity does not start afresh
 * @param abuseBudgetPerBlock   the same for all addresses of one /24 (IPv4) or /64 (IPv6) block
 * @param limitLoopback         apply the per-address rate and shares (here and in the P2P layer) to
 *                              loopback peers too; off by default, since every local process shares
 *                              one loopback address (the per-IP connection cap applies regardless)
 * @param connectionPerStream   the unshared mode: every stream this node opens gets a TCP
 *                              connection (and handshake) of its own, outside the stripes, closed when
 *                              it ends; the same sessions, for measuring what sharing saves
 */
public record EndpointConfig(NodeIdentity identity, PeerAddress listen, String advertisedAddress,
                             Transport transport, int ioThreads, boolean tls, int stripes, int maxStripesPerPeer,
                             StripePolicy stripePolicy, int maxInboundConnections, int maxInboundPerIp,
                             Duration handshakeTimeout, Duration idleTimeout, Duration keepAliveInterval,
                             Duration connectTimeout, Backoff reconnect, MuxConfig mux, Duration shutdownGrace,
                             Duration unusedConnectionTimeout, RateLimit handshakeRate,
                             RateLimit handshakeRatePerBlock, int abuseBudgetPerAddress, int abuseBudgetPerBlock,
                             boolean limitLoopback, boolean connectionPerStream) {
    private static final ConfigChecks CHECK = new ConfigChecks("EndpointConfig");

    public static final int MAX_STRIPES = 255;

    public EndpointConfig {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(stripePolicy, "stripePolicy");
        Objects.requireNonNull(reconnect, "reconnect");
        Objects.requireNonNull(mux, "mux");
        Objects.requireNonNull(handshakeRate, "handshakeRate");
        Objects.requireNonNull(handshakeRatePerBlock, "handshakeRatePerBlock");
        advertisedAddress = advertisedAddress == null ? "" : advertisedAddress;
        if (!advertisedAddress.isEmpty()) {
            PeerAddress.parse(advertisedAddress); // clear error for a malformed address
        }
        CHECK.require(ioThreads >= 1, "ioThreads", ioThreads, ">= 1");
        CHECK.require(stripes >= 1 && stripes <= MAX_STRIPES, "stripes", stripes, "in [1, " + MAX_STRIPES + "]");
        CHECK.require(maxStripesPerPeer >= 1 && maxStripesPerPeer <= MAX_STRIPES, "maxStripesPerPeer", maxStripesPerPeer,
                "in [1, " + MAX_STRIPES + "]");
        CHECK.require(maxInboundConnections >= 1, "maxInboundConnections", maxInboundConnections, ">= 1");
        CHECK.require(maxInboundPerIp >= 1, "maxInboundPerIp", maxInboundPerIp, ">= 1");
        CHECK.require(abuseBudgetPerAddress >= 1, "abuseBudgetPerAddress", abuseBudgetPerAddress, ">= 1");
        CHECK.require(abuseBudgetPerBlock >= abuseBudgetPerAddress, "abuseBudgetPerBlock", abuseBudgetPerBlock,
                ">= abuseBudgetPerAddress (" + abuseBudgetPerAddress + ")");
        CHECK.positive(handshakeTimeout, "handshakeTimeout");
        CHECK.positive(idleTimeout, "idleTimeout");
        CHECK.positive(keepAliveInterval, "keepAliveInterval");
        CHECK.positive(connectTimeout, "connectTimeout");
        CHECK.positive(shutdownGrace, "shutdownGrace");
        CHECK.positive(unusedConnectionTimeout, "unusedConnectionTimeout");
        if (keepAliveInterval.compareTo(idleTimeout) >= 0) {
            throw new IllegalArgumentException("EndpointConfig.keepAliveInterval (" + keepAliveInterval
                    + ") must be shorter than idleTimeout (" + idleTimeout + "), or idle peers are dropped");
        }
    }

    public static Builder builder(NodeIdentity identity) {
        return new Builder(identity);
    }

    public Builder toBuilder() {
        return new Builder(identity).listen(listen).advertisedAddress(advertisedAddress).transport(transport)
                .ioThreads(ioThreads).tls(tls).stripes(stripes).maxStripesPerPeer(maxStripesPerPeer)
                .stripePolicy(stripePolicy).maxInboundConnections(maxInboundConnections)
                .maxInboundPerIp(maxInboundPerIp).handshakeTimeout(handshakeTimeout).idleTimeout(idleTimeout)
                .keepAliveInterval(keepAliveInterval).connectTimeout(connectTimeout).reconnect(reconnect).mux(mux)
                .shutdownGrace(shutdownGrace).unusedConnectionTimeout(unusedConnectionTimeout)
                .handshakeRate(handshakeRate).handshakeRatePerBlock(handshakeRatePerBlock)
                .abuseBudgetPerAddress(abuseBudgetPerAddress).abuseBudgetPerBlock(abuseBudgetPerBlock)
                .limitLoopback(limitLoopback)
                .connectionPerStream(connectionPerStream);
    }

    /** Defaults: no listener, NIO or epoll as available, plaintext, one stripe. */
    public static final class Builder {
        private final NodeIdentity identity;
        private PeerAddress listen;
        private String advertisedAddress = "";
        private Transport transport = Transport.best();
        private int ioThreads = Runtime.getRuntime().availableProcessors();
        private boolean tls;
        private int stripes = 1;
        private int maxStripesPerPeer = 8;
        private StripePolicy stripePolicy = StripePolicy.MEASURED_LOAD;
        private int maxInboundConnections = 4096;
        private int maxInboundPerIp = 64;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration keepAliveInterval = Duration.ofSeconds(15);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Backoff reconnect = Backoff.defaults();
        private MuxConfig mux = MuxConfig.defaults();
        private Duration shutdownGrace = Duration.ofSeconds(5);
        private Duration unusedConnectionTimeout = Duration.ofMinutes(10);
        private RateLimit handshakeRate = RateLimit.of(16, Duration.ofSeconds(10));
        private RateLimit handshakeRatePerBlock = RateLimit.of(64, Duration.ofSeconds(10));
        private int abuseBudgetPerAddress = 4;
        private int abuseBudgetPerBlock = 16;
        private boolean limitLoopback;
        private boolean connectionPerStream;

        private Builder(NodeIdentity identity) {
            this.identity = identity;
        }

        public Builder listen(PeerAddress v) { listen = v; return this; }
        public Builder listen(String hostPort) { listen = PeerAddress.parse(hostPort); return this; }
        public Builder advertisedAddress(String v) { advertisedAddress = v; return this; }
        public Builder transport(Transport v) { transport = v; return this; }
        public Builder ioThreads(int v) { ioThreads = v; return this; }
        public Builder tls(boolean v) { tls = v; return this; }
        public Builder stripes(int v) { stripes = v; return this; }
        public Builder maxStripesPerPeer(int v) { maxStripesPerPeer = v; return this; }
        public Builder stripePolicy(StripePolicy v) { stripePolicy = v; return this; }
        public Builder maxInboundConnections(int v) { maxInboundConnections = v; return this; }
        public Builder maxInboundPerIp(int v) { maxInboundPerIp = v; return this; }
        public Builder handshakeTimeout(Duration v) { handshakeTimeout = v; return this; }
        public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
        public Builder keepAliveInterval(Duration v) { keepAliveInterval = v; return this; }
        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
        public Builder reconnect(Backoff v) { reconnect = v; return this; }
        public Builder mux(MuxConfig v) { mux = v; return this; }
        public Builder shutdownGrace(Duration v) { shutdownGrace = v; return this; }
        public Builder unusedConnectionTimeout(Duration v) { unusedConnectionTimeout = v; return this; }
        public Builder handshakeRate(RateLimit v) { handshakeRate = v; return this; }
        public Builder handshakeRatePerBlock(RateLimit v) { handshakeRatePerBlock = v; return this; }
        public Builder abuseBudgetPerAddress(int v) { abuseBudgetPerAddress = v; return this; }
        public Builder abuseBudgetPerBlock(int v) { abuseBudgetPerBlock = v; return this; }
        public Builder limitLoopback(boolean v) { limitLoopback = v; return this; }
        public Builder connectionPerStream(boolean v) { connectionPerStream = v; return this; }

        public EndpointConfig build() {
            return new EndpointConfig(identity, listen, advertisedAddress, transport, ioThreads, tls, stripes,
                    maxStripesPerPeer, stripePolicy, maxInboundConnections, maxInboundPerIp, handshakeTimeout,
                    idleTimeout, keepAliveInterval, connectTimeout, reconnect, mux, shutdownGrace,
                    unusedConnectionTimeout, handshakeRate, handshakeRatePerBlock, abuseBudgetPerAddress,
                    abuseBudgetPerBlock, limitLoopback, connectionPerStream);
        }
    }
}
