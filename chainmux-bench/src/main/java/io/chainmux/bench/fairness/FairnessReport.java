package io.chainmux.bench.fairness;

import io.chainmux.bench.chart.BarChart;

import java.util.List;
import java.util.Locale;

/** The fairness run as a table (with the targets) and as a bar chart. */
public final class FairnessReport {
    private FairnessReport() {}

    public static String table(FairnessRun.Result r) {
        StringBuilder b = new StringBuilder();
        b.append("chainmux, one connection on 127.0.0.1            measured     target\n");
        row(b, "Jain index, 100 equal chains (min of 1 s)", fmt(r.jainMin(), 4), ">= 0.99");
        row(b, "Jain index, 100 equal chains (mean)", fmt(r.jainMean(), 4), ">= 0.99");
        row(b, "weight 2 / weight 1 delivered", fmt(r.weightRatios()[0], 2), "2.00 +- 5 %");
        row(b, "weight 4 / weight 1 delivered", fmt(r.weightRatios()[1], 2), "4.00 +- 5 %");
        latency(b, "small 1 KiB, no bulk", r.smallAlone());
        latency(b, "small 1 KiB, beside bulk", r.smallWithBulk());
        row(b, "bulk beside small / bulk solo", fmt(r.bulkWithSmall() / r.bulkSolo(), 2)
                + String.format(Locale.ROOT, " (%.0f / %.0f MB/s)", r.bulkWithSmall(), r.bulkSolo()), ">= 0.80");
        row(b, "reader beside 999 stalled / solo", fmt(r.readerStalled() / r.readerSolo(), 2)
                + String.format(Locale.ROOT, " (%.0f / %.0f MB/s)", r.readerStalled(), r.readerSolo()), ">= 0.50");
        return b.toString();
    }

    private static void latency(StringBuilder b, String what, FairnessRun.Latency l) {
        row(b, what + ": p50 / p99 / p999 ms", String.format(Locale.ROOT, "%.3f / %.3f / %.3f (%d msgs)", l.p50(),
                l.p99(), l.p999(), l.count()), what.contains("beside") ? "p99 <= 5 ms" : "");
    }

    private static void row(StringBuilder b, String what, String value, String target) {
        b.append(String.format(Locale.ROOT, "  %-46s %-30s %s%n", what, value, target));
    }

    private static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    public static BarChart chart(FairnessRun.Result r) {
        BarChart.Panel ratios = new BarChart.Panel("ratio", false, List.of(
                new BarChart.Group("Jain, 100 chains", List.of(new BarChart.Bar("min", r.jainMin()),
                        new BarChart.Bar("mean", r.jainMean())), 0.99, "0.99"),
                new BarChart.Group("weights 2:1, 4:1 (÷ 2, ÷ 4)", List.of(
                        new BarChart.Bar("2:1", r.weightRatios()[0] / 2), new BarChart.Bar("4:1", r.weightRatios()[1] / 4)),
                        1.0, "exact"),
                new BarChart.Group("bulk beside small / solo", List.of(
                        new BarChart.Bar("chainmux", r.bulkWithSmall() / r.bulkSolo())), 0.8, "0.8"),
                new BarChart.Group("reader beside 999 stalled / solo", List.of(
                        new BarChart.Bar("chainmux", r.readerStalled() / r.readerSolo())), 0.5, "0.5")));
        BarChart.Panel latency = new BarChart.Panel("ms", false, List.of(
                new BarChart.Group("small 1 KiB, no bulk", bars(r.smallAlone())),
                new BarChart.Group("small 1 KiB, beside bulk", bars(r.smallWithBulk()), 5.0, "p99 5 ms")));
        return new BarChart("Fairness between chains on one chainmux connection (loopback)",
                "100 equal chains; weights 1:2:4; 100 small-message chains beside a bulk chain; 1 reader beside 999 stalled",
                List.of(ratios, latency));
    }

    private static List<BarChart.Bar> bars(FairnessRun.Latency l) {
        return List.of(new BarChart.Bar("p50", l.p50()), new BarChart.Bar("p99", l.p99()),
                new BarChart.Bar("p99.9", l.p999()));
    }
}
