package io.chainmux.p2p;

import io.chainmux.broker.BrokerConfig;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.PeerAddress;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything a {@link P2pNode} needs besides its networks; immutable and validated here.
 *
 * @param endpoint        the transport (identity, listen address, TLS, stripes, limits)
 * @param broker          worker pool and close grace of the connection broker
 * @param peerDbFile      where the peer database persists, or null to keep it in memory only
 * @param bootstrap       peers to start from, each {@code peer-id@host:port}; sticky in the database
 * @param maxFailures     prune peers with more successive failures than this (chainweb: 5) ...
 * @param pruneAge        ... and no success for this long (chainweb: 12 h), idle and not sticky
 * @param persistInterval how often the peer database is pruned and saved
 * @param exchange        the peer exchange's limits and network settings
 * @param maxPeers        peers the database keeps at most ({@link PeerDb#DEFAULT_MAX_PEERS}); when
 *                        full, only peers that never worked make room
 * @param maxNewPeersPerSource peers one other peer may introduce (through busy refusals or the peer
 *                        exchange, over all networks) that have not worked yet
 *                        ({@link PeerDb#DEFAULT_MAX_NEW_PER_SOURCE})
 * @param maxInboundShare the largest share (0-1] of the node's inbound session slots (over all
 *                        networks) one peer, or one remote address, may hold; default 0.25
 * @param maxStartsInFlight outgoing session opens in flight at once over all networks but
 *                        {@link io.chainmux.broker.Dispatch#PRIORITY} ones (see {@link StartPacer}), so a
 *                        restart or a healed partition does not queue thousands of opens ahead of
 *                        latency-sensitive traffic; default {@link StartPacer#DEFAULT_MAX_IN_FLIGHT}
 */
public record NodeConfig(EndpointConfig endpoint, BrokerConfig broker, Path peerDbFile, List<PeerAddress> bootstrap,
                         int maxFailures, Duration pruneAge, Duration persistInterval, PeerExchangeConfig exchange,
                         int maxPeers, int maxNewPeersPerSource, double maxInboundShare,
                         int maxStartsInFlight) {
    public NodeConfig {
        Objects.requireNonNull(endpoint, "NodeConfig.endpoint");
        Objects.requireNonNull(broker, "NodeConfig.broker");
        Objects.requireNonNull(exchange, "NodeConfig.exchange");
        bootstrap = List.copyOf(bootstrap == null ? List.of() : bootstrap);
        for (PeerAddress b : bootstrap) {
            if (b.expectedPeer() == null) {
                throw new IllegalArgumentException("bootstrap peer " + b + " has no peer id; expected PEERID@HOST:PORT");
            }
        }
        if (maxFailures < 0) {
            throw new IllegalArgumentException("NodeConfig.maxFailures must be >= 0, was " + maxFailures);
        }
        if (pruneAge == null || pruneAge.isNegative()) {
            throw new IllegalArgumentException("NodeConfig.pruneAge must be >= 0, was " + pruneAge);
        }
        if (maxPeers < 1) {
            throw new IllegalArgumentException("NodeConfig.maxPeers must be >= 1, was " + maxPeers);
        }
        if (maxNewPeersPerSource < 0) {
            throw new IllegalArgumentException("NodeConfig.maxNewPeersPerSource must be >= 0, was "
                    + maxNewPeersPerSource);
        }
        if (!(maxInboundShare > 0 && maxInboundShare <= 1)) {
            throw new IllegalArgumentException("NodeConfig.maxInboundShare must be in (0, 1], was " + maxInboundShare);
        }
        if (maxStartsInFlight < 1) {
            throw new IllegalArgumentException("NodeConfig.maxStartsInFlight must be >= 1, was " + maxStartsInFlight);
        }
        if (persistInterval == null || persistInterval.isNegative() || persistInterval.isZero()) {
            throw new IllegalArgumentException("NodeConfig.persistInterval must be positive, was " + persistInterval);
        }
    }

    public static Builder builder(EndpointConfig endpoint) {
        return new Builder(endpoint);
    }

    public static final class Builder {
        private final EndpointConfig endpoint;
        private BrokerConfig broker = BrokerConfig.defaults();
        private Path peerDbFile;
        private List<PeerAddress> bootstrap = List.of();
        private int maxFailures = 5;
        private Duration pruneAge = Duration.ofHours(12);
        private Duration persistInterval = Duration.ofSeconds(30);
        private PeerExchangeConfig exchange = PeerExchangeConfig.defaults();
        private int maxPeers = PeerDb.DEFAULT_MAX_PEERS;
        private int maxNewPeersPerSource = PeerDb.DEFAULT_MAX_NEW_PER_SOURCE;
        private double maxInboundShare = 0.25;
        private int maxStartsInFlight = StartPacer.DEFAULT_MAX_IN_FLIGHT;

        private Builder(EndpointConfig endpoint) {
            this.endpoint = endpoint;
        }

        public Builder broker(BrokerConfig v) { broker = v; return this; }
        public Builder peerDbFile(Path v) { peerDbFile = v; return this; }
        public Builder bootstrap(List<PeerAddress> v) { bootstrap = v; return this; }
        public Builder maxFailures(int v) { maxFailures = v; return this; }
        public Builder pruneAge(Duration v) { pruneAge = v; return this; }
        public Builder persistInterval(Duration v) { persistInterval = v; return this; }
        public Builder exchange(PeerExchangeConfig v) { exchange = v; return this; }
        public Builder maxPeers(int v) { maxPeers = v; return this; }
        public Builder maxNewPeersPerSource(int v) { maxNewPeersPerSource = v; return this; }
        public Builder maxInboundShare(double v) { maxInboundShare = v; return this; }
        public Builder maxStartsInFlight(int v) { maxStartsInFlight = v; return this; }

        public NodeConfig build() {
            return new NodeConfig(endpoint, broker, peerDbFile, bootstrap, maxFailures, pruneAge, persistInterval,
                    exchange, maxPeers, maxNewPeersPerSource, maxInboundShare, maxStartsInFlight);
        }
    }
}
