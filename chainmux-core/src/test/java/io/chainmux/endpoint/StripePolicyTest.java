package io.chainmux.endpoint;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The placement policies over given loads. */
class StripePolicyTest {
    private static final StripeLoad IDLE = new StripeLoad(0, 0, 0);

    private static int measured(TrafficClass t, StripeLoad... loads) {
        return StripePolicy.MEASURED_LOAD.choose("chain-1/gossip/1", t, List.of(loads));
    }

    @Test
    void aStripeCarriesBulkWhenBytesPileUpOrFlowFast() {
        assertThat(IDLE.carriesBulk()).isFalse();
        assertThat(new StripeLoad(1, StripeLoad.BULK_QUEUED_BYTES - 1, StripeLoad.BULK_BYTES_PER_SECOND - 1).carriesBulk())
                .isFalse();
        assertThat(new StripeLoad(1, StripeLoad.BULK_QUEUED_BYTES, 0).carriesBulk()).isTrue();
        assertThat(new StripeLoad(1, 0, StripeLoad.BULK_BYTES_PER_SECOND).carriesBulk()).isTrue();
        assertThat(new StripeLoad(1, 1000, 10_000).bytesAhead()).isEqualTo(2000);
        assertThatThrownBy(() -> new StripeLoad(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void latencySensitiveStreamsStayOffTheBulkStripeWhateverTheCounts() {
        StripeLoad bulk = new StripeLoad(1, 4 << 20, 0);
        StripeLoad crowded = new StripeLoad(60, 2048, 1_000_000);
        assertThat(measured(TrafficClass.LATENCY_SENSITIVE, bulk, crowded)).isEqualTo(1);
        assertThat(measured(TrafficClass.LATENCY_SENSITIVE, crowded, bulk)).isZero();
        // by count alone, the bulk stripe's single stream wins
        assertThat(StripePolicy.BY_COUNT.choose("n", TrafficClass.LATENCY_SENSITIVE, List.of(bulk, crowded))).isZero();
        // a fast flow with an empty queue is bulk too
        StripeLoad fast = new StripeLoad(1, 0, 500L << 20);
        assertThat(measured(TrafficClass.LATENCY_SENSITIVE, fast, crowded)).isEqualTo(1);
    }

    @Test
    void latencySensitiveStreamsTakeTheFewestBytesAheadAmongStripesWithoutBulk() {
        StripeLoad busier = new StripeLoad(2, 100_000, 0);
        StripeLoad quieter = new StripeLoad(9, 1_000, 0);
        assertThat(measured(TrafficClass.LATENCY_SENSITIVE, busier, quieter)).isEqualTo(1);
        assertThat(measured(TrafficClass.LATENCY_SENSITIVE, IDLE, IDLE, IDLE)).as("ties go to the lower index").isZero();
    }

    @Test
    void ordinaryStreamsSpreadByCountAmongStripesWithoutBulk() {
        StripeLoad fewer = new StripeLoad(2, 100_000, 0);
        StripeLoad more = new StripeLoad(9, 1_000, 0);
        assertThat(measured(TrafficClass.ORDINARY, fewer, more)).isZero();
        assertThat(measured(TrafficClass.ORDINARY, new StripeLoad(3, 5000, 0), new StripeLoad(3, 10, 0))).isEqualTo(1);
        StripeLoad bulk = new StripeLoad(0, 1 << 20, 0);
        assertThat(measured(TrafficClass.ORDINARY, bulk, more)).as("the bulk stripe is avoided too").isEqualTo(1);
    }

    @Test
    void whenEveryStripeCarriesBulkTheOneWithFewestBytesAheadTakesLatencySensitiveStreams() {
        StripeLoad heavy = new StripeLoad(1, 8 << 20, 0);
        StripeLoad lighter = new StripeLoad(5, 1 << 20, 0);
        assertThat(measured(TrafficClass.LATENCY_SENSITIVE, heavy, lighter)).isEqualTo(1);
        assertThat(measured(TrafficClass.LATENCY_SENSITIVE, heavy)).as("K = 1: the only stripe").isZero();
    }

    @Test
    void byNetworkKeepsANetworkOnOneStripe() {
        List<StripeLoad> three = List.of(IDLE, IDLE, IDLE);
        int first = StripePolicy.BY_NETWORK.choose("chain-7/sync/1", TrafficClass.ORDINARY, three);
        assertThat(StripePolicy.BY_NETWORK.choose("chain-7/sync/1", TrafficClass.LATENCY_SENSITIVE, three))
                .isEqualTo(first);
    }
}
