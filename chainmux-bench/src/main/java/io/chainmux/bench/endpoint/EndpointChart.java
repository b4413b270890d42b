package io.chainmux.bench.endpoint;

import io.chainmux.bench.Report;
import io.chainmux.bench.chart.BarChart;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The figures of {@link EndpointBench#runAll} as a chart: handshakes/s and striped bulk MB/s, one panel each. */
public final class EndpointChart {
    private EndpointChart() {}

    /** {@code medians} as returned by {@link EndpointBench#runAll}; every figure it names must be present. */
    public static BarChart of(Map<String, Double> medians, int rounds, double warmupSeconds, double seconds) {
        BarChart.Panel handshakes = new BarChart.Panel("handshakes completed per second (handshakes/s)", false, List.of(
                new BarChart.Group("new connection per handshake, 8 dialing clients", List.of(
                        bar("plaintext", medians, "handshakes_per_s_plaintext", "handshakes/s"),
                        bar("TLS 1.3", medians, "handshakes_per_s_tls", "handshakes/s")))));
        BarChart.Panel bulk = new BarChart.Panel("payload throughput (MB/s, MB = 10^6 bytes)", false, List.of(
                new BarChart.Group("64 KiB messages, one peer connection striped over K TCP connections", List.of(
                        bar("K = 1", medians, "bulk_mb_per_s_stripes_1", "MB/s"),
                        bar("K = 2", medians, "bulk_mb_per_s_stripes_2", "MB/s"),
                        bar("K = 4", medians, "bulk_mb_per_s_stripes_4", "MB/s")))));
        return new BarChart("chainmux bench endpoint: medians of " + rounds + " round(s)",
                String.format(Locale.ROOT, "two endpoints on 127.0.0.1, %d cores; %.1f s warm-up + %.1f s measured "
                        + "per figure and round", Runtime.getRuntime().availableProcessors(), warmupSeconds, seconds),
                List.of(handshakes, bulk));
    }

    private static BarChart.Bar bar(String name, Map<String, Double> medians, String key, String unit) {
        Double v = medians.get(key);
        if (v == null) {
            throw new IllegalArgumentException("endpoint figures lack '" + key + "'; have " + medians.keySet());
        }
        return new BarChart.Bar(name, v, Report.format(v) + " " + unit);
    }
}
