package io.chainmux.bench;

import io.chainmux.bench.chart.BarChart;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns a {@link Report} into a {@link BarChart}: scenarios as groups, contenders as bars. */
public final class ReportChart {
    /** Spread (max / min) above which an axis switches to log scale: beyond it short bars become slivers. */
    static final double LOG_SPREAD = 50;

    private ReportChart() {}

    /**
     * With a raw-tcp result for every scenario, one axis of ratios to raw TCP with a 1.0x reference line
     * (labels carry the measured figures); otherwise one panel per unit with the measured figures.
     * Either axis turns logarithmic when its values span more than {@value #LOG_SPREAD}x.
     */
    public static BarChart compare(Report report) {
        return new BarChart("chainmux bench compare: medians of " + report.rounds() + " round(s)", subtitle(report),
                report.results().stream().allMatch(r -> r.ratioVsRaw() != null)
                        ? List.of(ratioPanel(report, Map.of())) : unitPanels(report));
    }

    /** Ratios to raw TCP with a target marker per scenario; {@code targets} maps scenario name to target ratio. */
    public static BarChart againstTargets(String title, Report report, Map<String, Double> targets) {
        return new BarChart(title, subtitle(report), List.of(ratioPanel(report, targets)));
    }

    private static BarChart.Panel ratioPanel(Report report, Map<String, Double> targets) {
        Map<String, List<Report.Result>> byScenario = new LinkedHashMap<>();
        report.results().forEach(r -> byScenario.computeIfAbsent(r.scenario(), s -> new ArrayList<>()).add(r));
        List<BarChart.Group> groups = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        byScenario.forEach((scenario, results) -> {
            List<BarChart.Bar> bars = new ArrayList<>();
            double worst = Double.MAX_VALUE; // the lowest ratio of a contender other than the references
            for (Report.Result r : results) {
                if (r.ratioVsRaw() == null) {
                    throw new IllegalArgumentException("no raw-tcp result for scenario '" + scenario
                            + "': a ratio chart needs raw-tcp among the contenders");
                }
                values.add(r.ratioVsRaw());
                bars.add(new BarChart.Bar(r.contender(), r.ratioVsRaw(), String.format(Locale.ROOT, "%.2fx  (%s %s)",
                        r.ratioVsRaw(), Report.format(r.median()), r.unit())));
                if (!Contenders.isReference(r.contender())) {
                    worst = Math.min(worst, r.ratioVsRaw());
                }
            }
            Double target = targets.get(scenario);
            String label = null;
            if (target != null) {
                values.add(target);
                label = String.format(Locale.ROOT, "target \u2265 %.2fx: %s", target, worst >= target ? "met" : "MISSED");
            }
            groups.add(new BarChart.Group(scenario + " (" + results.get(0).unit() + ")", bars, target, label));
        });
        return new BarChart.Panel("ratio to raw TCP, higher is better", logScale(values), groups, 1.0,
                "raw TCP = 1.0x");
    }

    private static List<BarChart.Panel> unitPanels(Report report) {
        Map<String, Map<String, List<BarChart.Bar>>> byUnit = new LinkedHashMap<>();
        for (Report.Result r : report.results()) {
            byUnit.computeIfAbsent(r.unit(), u -> new LinkedHashMap<>())
                    .computeIfAbsent(r.scenario(), s -> new ArrayList<>())
                    .add(new BarChart.Bar(r.contender(), r.median(), Report.format(r.median()) + " " + r.unit()));
        }
        List<BarChart.Panel> panels = new ArrayList<>();
        byUnit.forEach((unit, scenarios) -> {
            List<BarChart.Group> groups = new ArrayList<>();
            List<Double> values = new ArrayList<>();
            scenarios.forEach((name, bars) -> {
                groups.add(new BarChart.Group(name, bars));
                bars.forEach(b -> values.add(b.value()));
            });
            panels.add(new BarChart.Panel((unit.equals("MB/s") ? "payload throughput in MB/s" : "rate in " + unit)
                    + ", higher is better", logScale(values), groups));
        });
        return panels;
    }

    /** Log only when every value is positive and they span more than {@link #LOG_SPREAD}x. */
    static boolean logScale(List<Double> values) {
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return min > 0 && max / min > LOG_SPREAD;
    }

    private static String subtitle(Report r) {
        return String.format(Locale.ROOT, "127.0.0.1%s, %d cores, %s; %.1f s warm-up + %.1f s measured per round; "
                + "MB = 10^6 payload bytes", r.pathNote(), r.cores(), r.transport(), r.warmupSeconds(), r.measureSeconds());
    }
}
