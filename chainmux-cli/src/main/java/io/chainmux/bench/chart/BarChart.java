package io.chainmux.bench.chart;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A horizontal grouped bar chart: one or more panels stacked vertically, each with its own value axis
 * (so MB/s and msg/s never share one), holding groups (e.g. scenarios) of bars (e.g. contenders).
 * Each bar is labelled directly with its series name on the left and its value on the right, which
 * serves as the legend; a series keeps its colour in every group and panel.
 *
 * <p>Layout, in SVG user units (px, y down): a left column wide enough for every group and series
 * name, the plot area, then a right margin wide enough for every value label, so labels never
 * overlap bars or each other. Bars start at the axis minimum (0, or the lowest decade on a log axis).
 */
public record BarChart(String title, String subtitle, List<Panel> panels) {
    private static final double PAD = 16, ROW = 22, BAR = 14, GROUP_HEAD = 20, GROUP_GAP = 8, MIN_PLOT = 380;

    /** One bar; {@code valueLabel} is shown at its end (null: the value, compactly formatted). */
    public record Bar(String series, double value, String valueLabel) {
        public Bar {
            Svg.requireText(series, "bar series name");
            if (Svg.requireFinite(value, "value of bar '" + series + "'") < 0) {
                throw new IllegalArgumentException("value of bar '" + series + "' must be >= 0, got " + value);
            }
            valueLabel = valueLabel == null ? Scale.compact(value) : valueLabel;
        }

        public Bar(String series, double value) {
            this(series, value, null);
        }
    }

    /** A named group of bars, with an optional target drawn as a dashed marker across the group. */
    public record Group(String name, List<Bar> bars, Double target, String targetLabel) {
        public Group {
            Svg.requireText(name, "group name");
            if (bars == null || bars.isEmpty()) {
                throw new IllegalArgumentException("group '" + name + "' has no bars");
            }
            bars = List.copyOf(bars);
            if (target != null) {
                if (Svg.requireFinite(target, "target of group '" + name + "'") < 0) {
                    throw new IllegalArgumentException("target of group '" + name + "' must be >= 0, got " + target);
                }
                targetLabel = targetLabel == null ? "target " + Scale.compact(target) : targetLabel;
            }
        }

        public Group(String name, List<Bar> bars) {
            this(name, bars, null, null);
        }
    }

    /**
     * Groups sharing one value axis. {@code axisLabel} should name the unit; {@code log} selects a log10
     * axis (all values must then be > 0); {@code reference} draws a dashed line across the whole panel.
     */
    public record Panel(String axisLabel, boolean log, List<Group> groups, Double reference, String referenceLabel) {
        public Panel {
            Svg.requireText(axisLabel, "axis label");
            if (groups == null || groups.isEmpty()) {
                throw new IllegalArgumentException("panel '" + axisLabel + "' has no groups");
            }
            groups = List.copyOf(groups);
            if (reference != null) {
                if (Svg.requireFinite(reference, "reference of panel '" + axisLabel + "'") < 0) {
                    throw new IllegalArgumentException("reference of panel '" + axisLabel + "' must be >= 0, got "
                            + reference);
                }
                referenceLabel = referenceLabel == null ? Scale.compact(reference) : referenceLabel;
            }
            if (log) {
                for (double v : values(groups, reference)) {
                    if (v <= 0) {
                        throw new IllegalArgumentException("panel '" + axisLabel + "' is log-scaled but has value "
                                + v + "; log axes need values > 0");
                    }
                }
            }
        }

        public Panel(String axisLabel, boolean log, List<Group> groups) {
            this(axisLabel, log, groups, null, null);
        }

        private static List<Double> values(List<Group> groups, Double reference) {
            List<Double> vs = new ArrayList<>();
            for (Group g : groups) {
                g.bars().forEach(b -> vs.add(b.value()));
                if (g.target() != null) {
                    vs.add(g.target());
                }
            }
            if (reference != null) {
                vs.add(reference);
            }
            return vs;
        }
    }

    public BarChart {
        Svg.requireText(title, "chart title");
        if (panels == null || panels.isEmpty()) {
            throw new IllegalArgumentException("chart '" + title + "' has no panels");
        }
        panels = List.copyOf(panels);
    }

    public void write(Path file) throws IOException {
        Svg.write(toSvg(), file);
    }

    public String toSvg() {
        Map<String, String> colors = new LinkedHashMap<>();
        double left = 0, right = 0;
        for (Panel p : panels) {
            for (Group g : p.groups()) {
                for (Bar b : g.bars()) {
                    colors.computeIfAbsent(b.series(), s -> Svg.color(colors.size()));
                    left = Math.max(left, Svg.textWidth(b.series(), 12));
                    right = Math.max(right, Svg.textWidth(b.valueLabel(), 11));
                }
            }
        }
        double x0 = PAD + left + 10;
        right = Math.max(right + 10, 30); // room for the value labels, or half the last tick label
        double text = Math.max(Svg.textWidth(title, 16), subtitle == null ? 0 : Svg.textWidth(subtitle, 11));
        for (Panel p : panels) {
            for (Group g : p.groups()) {
                text = Math.max(text, Svg.textWidth(g.name(), 12));
            }
        }
        double width = Math.max(x0 + MIN_PLOT + right + PAD, text + 2 * PAD);
        double x1 = width - PAD - right;

        double height = 36 + (subtitle == null ? 0 : 18);
        for (Panel p : panels) {
            height += panelHeight(p);
        }
        height += PAD;
        Svg svg = new Svg(width, height);
        svg.text(PAD, 28, title, 16, "start", "#111111", "font-weight=\"bold\"");
        double y = 36;
        if (subtitle != null) {
            svg.text(PAD, 50, subtitle, 11, "start", "#555555", null);
            y += 18;
        }
        for (Panel p : panels) {
            drawPanel(svg, p, colors, x0, x1, width, y);
            y += panelHeight(p);
        }
        return svg.end();
    }

    private static double panelHeight(Panel p) {
        double h = 12 + (p.reference() != null ? 16 : 0);
        for (Group g : p.groups()) {
            h += GROUP_HEAD + g.bars().size() * ROW + GROUP_GAP;
        }
        return h + 44; // axis: tick labels and axis label
    }

    private static void drawPanel(Svg svg, Panel p, Map<String, String> colors, double x0, double x1,
                                  double width, double top) {
        List<Double> values = Panel.values(p.groups(), p.reference());
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        Scale x = p.log() ? Scale.log(min, max, x0, x1) : Scale.linear(0, max, x0, x1); // all values >= 0
        double plotTop = top + 12;
        double y = plotTop + (p.reference() != null ? 16 : 0);
        double axisY = plotTop + panelHeight(p) - 44 - 12;
        for (double t : x.ticks()) {
            svg.line(x.px(t), plotTop, x.px(t), axisY, "#e3e3e3", 1, null);
            svg.text(x.px(t), axisY + 15, Scale.compact(t), 11, "middle", "#444444", null);
        }
        svg.line(x0, axisY, x1, axisY, "#666666", 1, null);
        svg.text((x0 + x1) / 2, axisY + 34, p.axisLabel() + (p.log() ? ", log scale" : ""), 12, "middle",
                "#222222", null);
        List<Runnable> labels = new ArrayList<>();
        for (Group g : p.groups()) {
            // Group names have a row of their own and may run over the plot area, on a white backing.
            double nameY = y + 14;
            labels.add(() -> svg.label(PAD, nameY, g.name(), 12, "#111111", true));
            double barsTop = y + GROUP_HEAD;
            double barsBottom = barsTop + g.bars().size() * ROW;
            for (int i = 0; i < g.bars().size(); i++) {
                Bar b = g.bars().get(i);
                double end = x.px(Math.max(b.value(), x.lo));
                double mid = barsTop + i * ROW + ROW / 2;
                svg.text(x0 - 8, mid + 4, b.series(), 12, "end", "#222222", null);
                svg.raw("<rect x=\"" + Svg.num(x0) + "\" y=\"" + Svg.num(mid - BAR / 2) + "\" width=\""
                        + Svg.num(Math.max(end - x0, 0)) + "\" height=\"" + Svg.num(BAR) + "\" fill=\""
                        + colors.get(b.series()) + "\"><title>" + Svg.escape(b.series() + ": " + b.valueLabel())
                        + "</title></rect>");
                labels.add(() -> svg.label(end + 4, mid + 4, b.valueLabel(), 11, "#222222", false));
            }
            if (g.target() != null) {
                double tx = x.px(g.target());
                svg.line(tx, barsTop - 2, tx, barsBottom + 2, "#C0392B", 2, "5 3");
                double w = Svg.textWidth(g.targetLabel(), 11);
                double right = Math.max(tx + 4, PAD + Svg.textWidth(g.name(), 12) + 12); // right of marker and name
                double lx = right + w <= width - PAD ? right : Math.max(tx - 4 - w, PAD);
                labels.add(() -> svg.label(lx, barsTop - 6, g.targetLabel(), 11, "#C0392B", false));
            }
            y = barsBottom + GROUP_GAP;
        }
        if (p.reference() != null) {
            double rx = x.px(p.reference());
            svg.line(rx, plotTop + 14, rx, axisY, "#333333", 1.5, "6 4");
            double w = Svg.textWidth(p.referenceLabel(), 11);
            svg.label(Math.min(Math.max(rx - w / 2, x0), width - PAD - w), plotTop + 10, p.referenceLabel(), 11,
                    "#333333", false);
        }
        labels.forEach(Runnable::run); // last, so that they sit on top of every line
    }
}
