package io.chainmux.p2p;

import io.chainmux.config.ConfigChecks;

import java.time.Duration;

/**
 * Limits of the peer exchange (defaults from chainweb: pages of 64, at most 512 peers read and 32
 * new peers accepted per exchange).
 *
 * @param pageSize          peers per response page
 * @param maxPeers          peers read per exchange, over all pages
 * @param maxNewPeers       unknown peers added to the database per exchange
 * @param network           how the exchange network itself runs: its degree is the number of peers
 *                          asked at once, its restart delay the pause between exchanges with a peer
 */
public record PeerExchangeConfig(int pageSize, int maxPeers, int maxNewPeers, NetworkConfig network) {
    private static final ConfigChecks CHECK = new ConfigChecks("PeerExchangeConfig");

    public PeerExchangeConfig {
        CHECK.require(pageSize >= 1 && pageSize <= 256, "pageSize", pageSize, "in [1, 256]");
        CHECK.require(maxPeers >= pageSize, "maxPeers", maxPeers, ">= pageSize (" + pageSize + ")");
        CHECK.require(maxNewPeers >= 0, "maxNewPeers", maxNewPeers, ">= 0");
        if (network == null) {
            throw new IllegalArgumentException("PeerExchangeConfig.network is required");
        }
        long pageBytes = 16L + pageSize * 300L; // a peer line is at most ~300 bytes (host names)
        if (network.maxMessageSize() < pageBytes) {
            throw new IllegalArgumentException("PeerExchangeConfig.network.maxMessageSize must hold a page of "
                    + pageSize + " peers (" + pageBytes + " bytes), was " + network.maxMessageSize());
        }
    }

    /** Pages of 64, 512 peers and 32 new ones per exchange; 2 peers asked at once, every 30 s, 10 s timeout. */
    public static PeerExchangeConfig defaults() {
        return new PeerExchangeConfig(64, 512, 32, NetworkConfig.builder().targetDegree(2).maxInboundSessions(64)
                .sessionTimeout(Duration.ofSeconds(10)).timeoutIsSuccess(false).restartDelay(Duration.ofSeconds(30))
                .maxMessageSize(64 * 1024)
                .sharingPeerCap(0) // keeps exploring: its brief sessions are how a node meets peers beyond its neighbours
                .build());
    }

    public PeerExchangeConfig withNetwork(NetworkConfig n) {
        return new PeerExchangeConfig(pageSize, maxPeers, maxNewPeers, n);
    }
}
