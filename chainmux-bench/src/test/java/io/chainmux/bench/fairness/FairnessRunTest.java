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
    void onlyTheChainmuxContendersHaveAFairnessConfiguration() {
        assertThat(FairnessRun.Config.muxFor("chainmux").maxStreamWindow()).isEqualTo(MuxConfig.defaults().maxStreamWindow());
        assertThat(FairnessRun.Config.muxFor("chainmux-1mib-window").maxStreamWindow()).isEqualTo(1 << 20);
        assertThat(FairnessRun.Config.muxFor("http2")).isNull();
        assertThatThrownBy(() -> new FairnessRun.Config(Duration.ofSeconds(1), Duration.ofMillis(500), MuxConfig.defaults()))
                .hasMessageContaining("1 s windows");
    }

    @Test
    void theTableHasOneColumnPerContenderAndTheChartRenders() {
        FairnessRun.Latency l = new FairnessRun.Latency(0.1, 2.5, 4.0, 1000);
        FairnessRun.Result r = new FairnessRun.Result(0.995, 0.998, new double[] {1.98, 3.9}, l, l, 600, 500, 600, 450);
        Map<String, FairnessRun.Result> results = new LinkedHashMap<>();
        results.put("chainmux", r);
        results.put("chainmux-1mib-window", r);
        String table = FairnessReport.table(results);
        assertThat(table).contains("chainmux-1mib-window").contains("0.9950").contains("0.83 (500/600)")
                .contains("0.75 (450/600)").contains("0.10/2.50/4.00");
        assertThat(FairnessReport.chart(results).toSvg()).contains("<svg").contains("reader beside 999 stalled");
    }
}
