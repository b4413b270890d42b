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
    void theSharingPeerCapFollowsTheDegreeUnlessSet() {
        assertThat(NetworkConfig.defaults().sharingPeerCap()).isEqualTo(16);
        assertThat(NetworkConfig.builder().targetDegree(10).build().sharingPeerCap()).isEqualTo(20);
        assertThat(NetworkConfig.defaults().toBuilder().targetDegree(4).build().sharingPeerCap())
                .as("a copy of the default keeps following the degree").isEqualTo(8);
        assertThat(NetworkConfig.builder().sharingPeerCap(24).targetDegree(4).build().sharingPeerCap()).isEqualTo(24);
        assertThat(NetworkConfig.builder().sharingPeerCap(0).build().toBuilder().targetDegree(4).build()
                .sharingPeerCap()).as("0: chainweb's bias alone, kept").isZero();
        assertThat(PeerExchangeConfig.defaults().network().sharingPeerCap()).as("peer exchange keeps exploring").isZero();
        assertThatThrownBy(() -> NetworkConfig.builder().sharingPeerCap(-2).build()).hasMessageContaining("sharingPeerCap");
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
