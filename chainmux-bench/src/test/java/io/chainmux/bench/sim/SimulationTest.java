package io.chainmux.bench.sim;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimulationTest {
    private static final int DEGREE = 4;

    private static SimResult run(int nodes, int chains, String rule, boolean fullView, int rounds, double churn,
                                 long budget, long seed) {
        SimParams p = new SimParams(nodes, chains, DEGREE, SimRule.parse(rule, DEGREE), fullView, 2, rounds, churn,
                16, budget, seed);
        return new Simulation(p, new SimProgress()).run();
    }

    private static SimResult run(int nodes, int chains, String rule) {
        return run(nodes, chains, rule, true, 1, 0, Long.MAX_VALUE, 7);
    }

    @Test
    void sameSeedSameResult() {
        SimResult a = run(80, 20, "sharing", false, 2, 0.05, Long.MAX_VALUE, 11);
        SimResult b = run(80, 20, "sharing", false, 2, 0.05, Long.MAX_VALUE, 11);
        assertThat(b.distinctPeers()).isEqualTo(a.distinctPeers());
        assertThat(b.streamsPerTcp()).isEqualTo(a.streamsPerTcp());
        assertThat(b.picks()).isEqualTo(a.picks());
        assertThat(b.busyRefusals()).isEqualTo(a.busyRefusals());
        SimResult other = run(80, 20, "sharing", false, 2, 0.05, Long.MAX_VALUE, 12);
        assertThat(other.picks()).isNotEqualTo(a.picks());
    }

    @Test
    void sharingAwareNeedsFewerPeersThanIndependentAndTheCapFewerStill() {
        SimResult independent = run(200, 40, "independent");
        SimResult sharing = run(200, 40, "sharing");
        SimResult capped = run(200, 40, "cap8");

        // 40 chains x 4 picks of 199 peers, plus inbound: independent choice meets most of the network
        assertThat(independent.distinctPeers().mean()).isGreaterThan(100);
        assertThat(sharing.distinctPeers().mean()).isLessThan(independent.distinctPeers().mean() * 0.8);
        assertThat(capped.distinctPeers().mean()).isLessThan(sharing.distinctPeers().mean() / 2);
        assertThat(capped.overallStreamsPerTcp()).isGreaterThan(sharing.overallStreamsPerTcp() * 2);
        for (SimResult r : new SimResult[] {independent, sharing, capped}) {
            assertThat(r.slotsUnfilled()).isZero();
            assertThat(r.nodesUp()).isEqualTo(200);
            assertThat(r.chainComponent()).isEqualTo(1.0);
            assertThat(r.sampled()).isFalse();
        }
    }

    @Test
    void streamsPerTcpCountsEverySessionAtBothEnds() {
        SimResult r = run(50, 10, "sharing");
        // 50 x 10 x 4 sessions, each counted at both ends, over the TCP connections counted at both ends
        double tcpEnds = r.distinctPeers().mean() * 50;
        assertThat(r.overallStreamsPerTcp()).isCloseTo(2.0 * 50 * 10 * DEGREE / tcpEnds, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void churnReplacesNodesAndTheirPeersRefill() {
        SimResult r = run(100, 10, "sharing", true, 3, 0.1, Long.MAX_VALUE, 3);
        assertThat(r.nodesUp()).isEqualTo(100);
        assertThat(r.slotsUnfilled()).isZero();
        assertThat(r.dialsToDeparted()).isPositive(); // full view: departed nodes stay on the list
        assertThat(r.meanView()).isGreaterThan(99);
    }

    @Test
    void exchangeViewIsPartial() {
        SimResult r = run(600, 4, "sharing", false, 0, 0, Long.MAX_VALUE, 5);
        assertThat(r.meanView()).isLessThan(599).isGreaterThan(ExchangeViews.SEEDS);
        assertThat(r.slotsUnfilled()).isZero();
    }

    @Test
    void overTheBudgetASampleRotatesAndSaysSo() {
        SimResult r = run(50, 10, "sharing", true, 1, 0, 500, 9);
        assertThat(r.rotatedShare()).isCloseTo(500.0 / (50 * 10 * DEGREE), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.sampled()).isTrue();
        assertThat(r.toJson()).containsEntry("sampled", true);
    }

    @Test
    void tooFewPeersLeaveSlotsEmpty() {
        // 3 nodes: each has 2 peers, degree 4 cannot be met
        SimResult r = run(3, 2, "independent");
        assertThat(r.slotsUnfilled()).isEqualTo(3L * 2 * (DEGREE - 2));
        assertThat(r.distinctPeers().max()).isEqualTo(2);
    }

    @Test
    void rulesParseOrSayWhatIsExpected() {
        assertThat(SimRule.parse("cap16", 8).config().sharingPeerCap()).isEqualTo(16);
        assertThat(SimRule.parse("sharing", 8).config().sharingPeerCap()).as("chainweb's bias alone").isZero();
        assertThat(SimRule.parse("independent", 8).config().sharingAware()).isFalse();
        assertThat(SimRule.parse("sharing-p0.99", 8).config().sharingProbability()).isEqualTo(0.99);
        assertThatThrownBy(() -> SimRule.parse("nearest", 8)).hasMessageContaining("expected independent");
        assertThatThrownBy(() -> SimRule.parse("capx", 8)).hasMessageContaining("bad rule 'capx'");
        assertThatThrownBy(() -> run(1, 2, "sharing")).hasMessageContaining("nodes");
    }
}
