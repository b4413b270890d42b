package io.chainmux.bench;

import io.chainmux.bench.chart.ChartXml;
import io.chainmux.bench.endpoint.EndpointChart;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ReportChartTest {
    private final Scenario bulk = Scenario.bulk();
    private final Scenario small = Scenario.smallMessages(64, 1000);

    private static Sample perSecond(long messages, int size) {
        return new Sample(messages, messages * size, 1_000_000_000L);
    }

    /** raw-tcp and chainmux on bulk (1000 vs 960 MB/s) and 64 B x 1000 (2M vs 1.6M msg/s). */
    private Report report(String... contenders) {
        Map<String, long[]> figures = Map.of("raw-tcp", new long[] {15_259, 2_000_000},
                "chainmux", new long[] {14_649, 1_600_000}, "grpc", new long[] {7_000, 10_000});
        List<Report.Result> results = new java.util.ArrayList<>();
        for (Scenario s : List.of(bulk, small)) {
            for (String c : contenders) {
                int i = s == bulk ? 0 : 1;
                results.add(Report.Result.of(c, s, List.of(perSecond(figures.get(c)[i], s.workload().messageSize()))));
            }
        }
        CompareRun.Config config = new CompareRun.Config(Duration.ofSeconds(1), Duration.ofSeconds(2), 1,
                List.of(contenders), List.of(bulk, small));
        return Report.of(config, Instant.parse("2026-01-01T00:00:00Z"), results);
    }

    @Test
    void compareWithRawTcpPlotsRatiosAgainstAOnePointZeroLine() throws Exception {
        Document doc = ChartXml.parse(ReportChart.compare(report("raw-tcp", "chainmux")).toSvg());
        assertThat(ChartXml.texts(doc)).contains("bulk (MB/s)", "64B x 1000 (msg/s)", "raw TCP = 1.0x",
                "0.96x  (960 MB/s)", "0.80x  (1,600,000 msg/s)", "ratio to raw TCP, higher is better");
        List<Element> bars = ChartXml.bars(doc);
        assertThat(bars).hasSize(4);
        double raw = ChartXml.num(bars.get(2), "width");
        assertThat(ChartXml.num(bars.get(3), "width") / raw).isCloseTo(0.8, within(0.01));
    }

    @Test
    void compareWithoutRawTcpPlotsFiguresOnePanelPerUnitLogWhenTheySpreadWide() throws Exception {
        Document doc = ChartXml.parse(ReportChart.compare(report("chainmux", "grpc")).toSvg());
        assertThat(ChartXml.texts(doc)).contains("payload throughput in MB/s, higher is better",
                "rate in msg/s, higher is better, log scale", "1,600,000 msg/s", "10,000 msg/s")
                .doesNotContain("raw TCP = 1.0x");
    }

    @Test
    void targetsAreMarkedMetOrMissed() throws Exception {
        Document doc = ChartXml.parse(ReportChart.againstTargets("mux", report("raw-tcp", "chainmux"),
                Map.of("bulk", 0.95, "64B x 1000", 0.85)).toSvg());
        assertThat(ChartXml.texts(doc)).contains("target \u2265 0.95x: met", "target \u2265 0.85x: MISSED");
        assertThatThrownBy(() -> ReportChart.againstTargets("mux", report("chainmux"), Map.of()))
                .hasMessage("no raw-tcp result for scenario 'bulk': a ratio chart needs raw-tcp among the contenders");
    }

    @Test
    void logOnlyForPositiveValuesSpreadingWide() {
        assertThat(ReportChart.logScale(List.of(1.0, 49.0))).isFalse();
        assertThat(ReportChart.logScale(List.of(1.0, 51.0))).isTrue();
        assertThat(ReportChart.logScale(List.of(0.0, 100.0))).isFalse();
    }

    @Test
    void endpointChartHasHandshakeAndStripePanels() throws Exception {
        Map<String, Double> medians = new LinkedHashMap<>();
        medians.put("handshakes_per_s_plaintext", 2_400.0);
        medians.put("handshakes_per_s_tls", 900.0);
        medians.put("bulk_mb_per_s_stripes_1", 1_500.0);
        medians.put("bulk_mb_per_s_stripes_2", 2_100.0);
        medians.put("bulk_mb_per_s_stripes_4", 2_500.0);
        Document doc = ChartXml.parse(EndpointChart.of(medians, 3, 2, 4).toSvg());
        assertThat(ChartXml.texts(doc)).contains("plaintext", "TLS 1.3", "K = 1", "K = 4", "2,400 handshakes/s",
                "2,500 MB/s", "handshakes completed per second (handshakes/s)");
        assertThat(ChartXml.bars(doc)).hasSize(5);
        medians.remove("bulk_mb_per_s_stripes_2");
        assertThatThrownBy(() -> EndpointChart.of(medians, 3, 2, 4)).hasMessageStartingWith(
                "endpoint figures lack 'bulk_mb_per_s_stripes_2'");
    }
}
