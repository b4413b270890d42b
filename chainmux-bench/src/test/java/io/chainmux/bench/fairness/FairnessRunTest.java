package io.chainmux.bench.fairness;

import io.chainmux.mux.MuxConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Jain's index, the configurations and the report; the run itself is a benchmark, not a test. */
class FairnessRunTest {
    @Test
    void jainIsOneForEqualSharesAndOneOverNForOneTakingAll() {
        long[] zero = new long[4];
        assertThat(FairnessRun.jain(zero, new long[] {5, 5, 5, 5})).isEqualTo(1.0);
        assertThat(FairnessRun.jain(zero, new long[] {8, 0, 0, 0})).isEqualTo(0.25);
        assertThat(FairnessRun.jain(new long[] {1, 1}, new long[] {3, 5})).isCloseTo(0.9, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(FairnessRun.jain(zero, zero)).as("nothing delivered").isZero();
    }

    @Test
    void everyOneConnectionContenderHasRigsAndOthersAreRefused() {
        FairnessRun.Config config = new FairnessRun.Config(Duration.ZERO, Duration.ofSeconds(1));
        assertThat(FairnessRun.muxFor("chainmux").maxStreamWindow()).isEqualTo(MuxConfig.defaults().maxStreamWindow());
        assertThat(FairnessRun.muxFor("chainmux-1mib-window").maxStreamWindow()).isEqualTo(1 << 20);
        assertThat(FairnessRun.muxFor("http2")).isNull();
        for (String c : FairnessRun.CONTENDERS) {
            assertThat(FairnessRun.rigs(c, config)).as(c).isNotNull();
        }
        assertThatThrownBy(() -> FairnessRun.rigs("tcp-per-stream", config)).hasMessageContaining("one connection");
        assertThatThrownBy(() -> new FairnessRun.Config(Duration.ofSeconds(1), Duration.ofMillis(500)))
                .hasMessageContaining("1 s windows");
        assertThatThrownBy(() -> new FairnessRun.Config(Duration.ZERO, Duration.ofSeconds(1), 1, 10))
                .hasMessageContaining("chains");
    }

    @Test
    void chainTagsAndStampsRoundTripInBytesAndBuffers() {
        int tag = Chains.tag(Chains.STALLED, 998);
        assertThat(Chains.kind(tag)).isEqualTo(Chains.STALLED);
        assertThat(Chains.index(tag)).isEqualTo(998);
        long before = System.nanoTime();
        byte[] m = Chains.array(tag, 64);
        assertThat(Chains.tag(m)).isEqualTo(tag);
        assertThat(Chains.sentAt(m)).isBetween(before, System.nanoTime());
        io.netty.buffer.ByteBuf framed = Chains.framed(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, tag, 64);
        try {
            assertThat(framed.readableBytes()).isEqualTo(68);
            assertThat(framed.getInt(0)).isEqualTo(64);
            assertThat(framed.getInt(4)).isEqualTo(tag);
        } finally {
            framed.release();
        }
    }

    @Test
    void theSinkCountsEachKindOfChainApart() {
        Sink sink = new Sink(2);
        sink.onMessage(Chains.tag(Chains.SATURATING, 1), 0, 100);
        sink.onMessage(Chains.tag(Chains.STALLED, 5), 0, 30);
        sink.onMessage(Chains.tag(Chains.SMALL, 0), System.nanoTime(), 1024);
        assertThat(sink.snapshot()).containsExactly(0, 100);
        assertThat(sink.held()).isEqualTo(30);
        assertThat(sink.latencies().getTotalCount()).isEqualTo(1);
        assertThatThrownBy(() -> sink.onMessage(0x7F00_0000, 0, 1)).hasMessageContaining("unknown chain tag");
    }

    @Test
    void theTableHasOneColumnPerContenderAndTheChartRenders() {
        FairnessRun.Latency l = new FairnessRun.Latency(0.1, 2.5, 4.0, 1000);
        FairnessRun.Result r = new FairnessRun.Result(0.995, 0.998, new double[] {1.98, 3.9}, l, l, 600, 500, 600, 450);
        Map<String, FairnessRun.Result> results = new LinkedHashMap<>();
        results.put("chainmux", r);
        results.put("raw-tcp", new FairnessRun.Result(0.9, 0.95, null, l, l, 600, 300, 600, 0));
        String table = FairnessReport.table(results);
        assertThat(table).contains("raw-tcp").contains("0.9950").contains("0.83 (500/600)")
                .contains("0.75 (450/600)").contains("0.10/2.50/4.00").contains("n/a (no weights)")
                .contains("0.00 (0/600)");
        assertThat(FairnessReport.chart(results).toSvg()).contains("<svg").contains("reader beside stalled chains")
                .contains("n/a");
    }
}
