package io.chainmux.bench.scale;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PingStatsTest {
    @Test
    void echoStampSplitsTheRoundTripIntoItsWayOutAndBack() {
        ByteBuf m = PingMessage.encode(UnpooledByteBufAllocator.DEFAULT, 7, 1_000_000_000L, 128);
        try {
            assertThat(PingMessage.echoNanos(m)).isZero();
            PingMessage.stampEcho(m, 1_003_000_000L);
            assertThat(PingMessage.seq(m)).isEqualTo(7);
            assertThat(PingMessage.sentNanos(m)).isEqualTo(1_000_000_000L);
            assertThat(PingMessage.echoNanos(m)).isEqualTo(1_003_000_000L);

            PingStats stats = new PingStats();
            stats.phase("catchup");
            stats.roundTrip(PingMessage.sentNanos(m), PingMessage.echoNanos(m), 1_010_000_000L);
            List<double[]> samples = stats.samples("catchup");
            assertThat(samples).hasSize(1);
            assertThat(samples.get(0)[1]).isEqualTo(10.0); // round trip, ms
            assertThat(samples.get(0)[2]).isEqualTo(3.0);  // out
            assertThat(samples.get(0)[3]).isEqualTo(7.0);  // back
            assertThat(stats.samples("form")).isEmpty();
            assertThat(stats.latencies().get("catchup").get("count")).isEqualTo(1.0);
        } finally {
            m.release();
        }
    }

    @Test
    void aPhaseWithoutARoundTripIsReportedWithACountOfZero() {
        PingStats stats = new PingStats();
        stats.phase("catchup");
        stats.roundTrip(1_000_000_000L, 0, 1_002_000_000L);
        stats.phase("heal"); // over before any echo came back
        // a node restarted into "catchup" never was in "form": no empty form figure to overwrite the first life's
        assertThat(stats.latencies().keySet()).containsExactly("catchup", "heal");
        assertThat(stats.latencies().get("catchup").get("p99_ms")).isEqualTo(2.0);
        assertThat(stats.latencies().get("heal").get("count")).isZero();
        assertThat(stats.latencies().get("heal").get("p99_ms")).isNull();
    }

    @Test
    void aMessageWithoutRoomForTheStampIsEchoedUnchangedAndNotSplit() {
        ByteBuf m = PingMessage.encode(UnpooledByteBufAllocator.DEFAULT, 1, 5_000_000L, PingMessage.HEADER);
        try {
            PingMessage.stampEcho(m, 6_000_000L);
            assertThat(m.readableBytes()).isEqualTo(PingMessage.HEADER);
            assertThat(PingMessage.echoNanos(m)).isZero();
            PingStats stats = new PingStats();
            stats.roundTrip(PingMessage.sentNanos(m), PingMessage.echoNanos(m), 9_000_000L);
            assertThat(stats.samples("form").get(0)).containsExactly(stats.samples("form").get(0)[0], 4.0, -1.0, -1.0);
        } finally {
            m.release();
        }
    }
}
