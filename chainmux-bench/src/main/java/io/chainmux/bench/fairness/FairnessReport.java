package io.chainmux.bench.fairness;

import io.chainmux.bench.chart.BarChart;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/** Fairness runs, one per contender, as a table with the targets and as a bar chart. */
public final class FairnessReport {
    private FairnessReport() {}

    private record Line(String what, String target, Function<FairnessRun.Result, String> value) {}

    private static final List<Line> LINES = List.of(
            new Line("Jain index, 100 equal chains, min of 1 s windows", ">= 0.99", r -> fmt(r.jainMin(), 4)),
            new Line("Jain index, 100 equal chains, mean", ">= 0.99", r -> fmt(r.jainMean(), 4)),
            new Line("delivered, weight 2 / weight 1", "2.00 +- 5 %", r -> fmt(r.weightRatios()[0], 2)),
            new Line("delivered, weight 4 / weight 1", "4.00 +- 5 %", r -> fmt(r.weightRatios()[1], 2)),
            new Line("1 KiB latency ms, no bulk: p50/p99/p99.9", "", r -> latency(r.smallAlone())),
            new Line("1 KiB latency ms, beside bulk: p50/p99/p99.9", "p99 <= 5", r -> latency(r.smallWithBulk())),
            new Line("bulk beside small / solo (MB/s)", ">= 0.80",
                    r -> ratio(r.bulkWithSmall(), r.bulkSolo())),
            new Line("reader beside 999 stalled / solo (MB/s)", ">= 0.50",
                    r -> ratio(r.readerStalled(), r.readerSolo())));

    public static String table(Map<String, FairnessRun.Result> results) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-46s %-10s", "one connection on 127.0.0.1", "target"));
        results.keySet().forEach(c -> b.append(String.format(Locale.ROOT, " %-28s", c)));
        b.append('\n');
        for (Line l : LINES) {
            b.append(String.format(Locale.ROOT, "%-46s %-10s", l.what(), l.target()));
            results.values().forEach(r -> b.append(String.format(Locale.ROOT, " %-28s", l.value().apply(r))));
            b.append('\n');
        }
        return b.toString();
    }

    private static String latency(FairnessRun.Latency l) {
        return String.format(Locale.ROOT, "%.2f/%.2f/%.2f", l.p50(), l.p99(), l.p999());
    }

    private static String ratio(double part, double whole) {
        return String.format(Locale.ROOT, "%.2f (%.0f/%.0f)", part / whole, part, whole);
    }

    private static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    public static BarChart chart(Map<String, FairnessRun.Result> results) {
        BarChart.Panel ratios = new BarChart.Panel("ratio", false, List.of(
                group(results, "Jain, 100 chains (min)", FairnessRun.Result::jainMin, 0.99, "0.99"),
                group(results, "weight 4:1, / 4", r -> r.weightRatios()[1] / 4, 1.0, "exact"),
                group(results, "bulk beside small / solo", r -> r.bulkWithSmall() / r.bulkSolo(), 0.8, "0.8"),
                group(results, "reader beside 999 stalled / solo", r -> r.readerStalled() / r.readerSolo(), 0.5,
                        "0.5")));
        BarChart.Panel latency = new BarChart.Panel("ms", true, List.of(
                group(results, "1 KiB p99, no bulk", r -> r.smallAlone().p99(), null, null),
                group(results, "1 KiB p99, beside bulk", r -> r.smallWithBulk().p99(), 5.0, "5 ms")));
        return new BarChart("Fairness between chains on one connection (loopback)",
                "100 equal chains; weights 1:2:4; 100 chains of 1 KiB messages beside a bulk chain; 1 reader beside 999 stalled",
                List.of(ratios, latency));
    }

    private static BarChart.Group group(Map<String, FairnessRun.Result> results, String name,
                                        ToDoubleFunction<FairnessRun.Result> value, Double target, String label) {
        List<BarChart.Bar> bars = new ArrayList<>();
        results.forEach((c, r) -> bars.add(new BarChart.Bar(c, Math.max(0.001, value.applyAsDouble(r)))));
        return target == null ? new BarChart.Group(name, bars) : new BarChart.Group(name, bars, target, label);
    }
}
