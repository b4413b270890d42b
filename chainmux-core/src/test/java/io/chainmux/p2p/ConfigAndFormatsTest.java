package io.chainmux.p2p;

import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.NodeIdentity;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigAndFormatsTest {
    @Test
    void networkConfigDefaultsFollowChainweb() {
        NetworkConfig c = NetworkConfig.defaults();
        assertThat(c.sessionTimeout()).isEqualTo(Duration.ofSeconds(240));
        assertThat(c.sharingProbability()).isEqualTo(0.95);
        assertThat(c.sharingMaxFailures()).isEqualTo(1);
        assertThat(c.timeoutIsSuccess()).isTrue();
        assertThat(c.jitteredTimeout(0)).isEqualTo(Duration.ofSeconds(216));
        assertThat(c.jitteredTimeout(1)).isEqualTo(Duration.ofSeconds(264));
        assertThat(c.backoff(0)).isZero();
        assertThat(c.backoff(1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.backoff(3)).isEqualTo(Duration.ofSeconds(8));
        assertThat(c.backoff(60)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void networkConfigRejectsBadValuesByName() {
        assertThatThrownBy(() -> NetworkConfig.builder().targetDegree(-1).build())
                .hasMessageContaining("NetworkConfig.targetDegree must be in [0, 30], was -1");
        assertThatThrownBy(() -> NetworkConfig.builder().sessionTimeout(Duration.ofHours(1)).build())
                .hasMessageContaining("NetworkConfig.sessionTimeout must be at most");
        assertThatThrownBy(() -> NetworkConfig.builder().sharingProbability(1.5).build())
                .hasMessageContaining("sharingProbability");
        assertThatThrownBy(() -> NetworkConfig.builder().backoffBase(Duration.ofMinutes(10)).build())
                .hasMessageContaining("backoffMax");
        assertThatThrownBy(() -> NetworkConfig.builder().busyAlternatives(13).build())
                .hasMessageContaining("busyAlternatives");
        assertThatThrownBy(() -> new PeerExchangeConfig(64, 10, 32, NetworkConfig.defaults()))
                .hasMessageContaining("maxPeers must be >= pageSize");
    }

    @Test
    void busyDetailRoundTripsWithinTheResetLimit() {
        List<PeerAddress> peers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            peers.add(new PeerAddress("node-" + i + ".example.org", 7000 + i, NodeIdentity.generate().peerId()));
        }
        byte[] detail = BusyDetail.encode(peers);
        assertThat(detail.length).isLessThanOrEqualTo(BusyDetail.MAX_BYTES);
        List<PeerAddress> decoded = BusyDetail.decode(detail);
        assertThat(decoded).isNotEmpty().hasSizeLessThanOrEqualTo(BusyDetail.MAX_PEERS);
        assertThat(peers).containsAll(decoded);
        assertThat(BusyDetail.decode("junk\n127.0.0.1:1\n".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(BusyDetail.decode(new byte[0])).isEmpty();
    }
}
