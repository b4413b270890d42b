package io.chainmux.bench.chart;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A line chart of named series over a shared x axis (typically seconds), e.g. catch-up percentage
 * over time or latency percentiles. Legend below the title; markers on series of at most 40 points.
 *
 * <p>Coordinates: SVG user units (px), y grows downwards, so the y scale maps its minimum to the
 * bottom of the plot area and its maximum to the top. The y axis includes 0 unless values are negative.
 */
public record LineChart(String title, String xLabel, String yLabel, List<Series> series) {
    private static final double WIDTH = 760, PLOT_HEIGHT = 300, PAD = 16, MARKERS_UP_TO = 40;

    /** One named series; {@code x} and {@code y} are parallel, non-empty and finite. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            Svg.requireText(name, "series name");
            if (x == null || y == null || x.length == 0 || x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "' needs as many x as y values, at least one; got "
                        + (x == null ? "null" : x.length) + " x and " + (y == null ? "null" : y.length) + " y");
            }
            x = x.clone();
            y = y.clone();
            for (int i = 0; i < x.length; i++) {
                Svg.requireFinite(x[i], "x[" + i + "] of series '" + name + "'");
                Svg.requireFinite(y[i], "y[" + i + "] of series '" + name + "'");
            }
        }

        /** A copy: the series stays immutable. */
        @Override
        public double[] x() {
            return x.clone();
        }

        /** A copy: the series stays immutable. */
        @Override
        public double[] y() {
            return y.clone();
        }
    }

    public LineChart {
        Svg.requireText(title, "chart title");
        Svg.requireText(xLabel, "x axis label");
        Svg.requireText(yLabel, "y axis label");
        if (series == null || series.isEmpty()) {
            throw new IllegalArgumentException("chart '" + title + "' has no series");
        }
        series = List.copyOf(series);
        Set<String> names = new HashSet<>();
        for (Series s : series) {
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("chart '" + title + "' has two series named '" + s.name() + "'");
            }
        }
    }

    public void write(Path file) throws IOException {
        Svg.write(toSvg(), file);
    }

    public String toSvg() {
        double minX = Double.MAX_VALUE, maxX = -Double.MAX_VALUE, minY = 0, maxY = -Double.MAX_VALUE;
        for (Series s : series) {
            double[] xs = s.x(), ys = s.y();
            for (int i = 0; i < xs.length; i++) {
                minX = Math.min(minX, xs[i]);
                maxX = Math.max(maxX, xs[i]);
                minY = Math.min(minY, ys[i]);
                maxY = Math.max(maxY, ys[i]);
            }
        }
        double width = Math.max(WIDTH, Svg.textWidth(title, 16) + 2 * PAD);
        // Legend: swatch + name per series, wrapped onto as many rows as the width needs.
        double legendY = 52, lx = PAD;
        double[][] legendAt = new double[series.size()][];
        for (int i = 0; i < series.size(); i++) {
            double w = 22 + Svg.textWidth(series.get(i).name(), 12) + 18;
            if (lx + w > width - PAD && lx > PAD) {
                lx = PAD;
                legendY += 18;
            }
            legendAt[i] = new double[] {lx, legendY};
            lx += w;
        }
        Scale yProbe = Scale.linear(minY, maxY, 0, 1);
        double tickWidth = 0;
        for (double t : yProbe.ticks()) {
            tickWidth = Math.max(tickWidth, Svg.textWidth(Scale.compact(t), 11));
        }
        double x0 = PAD + 18 + tickWidth + 8, x1 = width - PAD - 14;
        double top = legendY + 18, bottom = top + PLOT_HEIGHT;
        Scale x = Scale.linear(minX, maxX, x0, x1);
        Scale y = Scale.linear(minY, maxY, bottom, top);
        Svg svg = new Svg(width, bottom + 46 + PAD);
        svg.text(PAD, 28, title, 16, "start", "#111111", "font-weight=\"bold\"");
        for (int i = 0; i < series.size(); i++) {
            double ix = legendAt[i][0], iy = legendAt[i][1];
            svg.line(ix, iy - 4, ix + 18, iy - 4, Svg.color(i), 3, null);
            svg.text(ix + 22, iy, series.get(i).name(), 12, "start", "#222222", null);
        }
        for (double t : y.ticks()) {
            svg.line(x0, y.px(t), x1, y.px(t), "#e3e3e3", 1, null);
            svg.text(x0 - 6, y.px(t) + 4, Scale.compact(t), 11, "end", "#444444", null);
        }
        for (double t : x.ticks()) {
            svg.line(x.px(t), bottom, x.px(t), bottom + 4, "#666666", 1, null);
            svg.text(x.px(t), bottom + 17, Scale.compact(t), 11, "middle", "#444444", null);
        }
        svg.line(x0, bottom, x1, bottom, "#666666", 1, null).line(x0, top, x0, bottom, "#666666", 1, null);
        svg.text((x0 + x1) / 2, bottom + 38, xLabel, 12, "middle", "#222222", null);
        double ly = (top + bottom) / 2;
        svg.text(PAD + 12, ly, yLabel, 12, "middle", "#222222",
                "transform=\"rotate(-90 " + Svg.num(PAD + 12) + " " + Svg.num(ly) + ")\"");
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            double[] xs = s.x(), ys = s.y();
            StringBuilder points = new StringBuilder();
            StringBuilder markers = new StringBuilder();
            for (int j = 0; j < xs.length; j++) {
                String px = Svg.num(x.px(xs[j])), py = Svg.num(y.px(ys[j]));
                points.append(j == 0 ? "" : " ").append(px).append(',').append(py);
                if (xs.length <= MARKERS_UP_TO) {
                    markers.append("<circle cx=\"").append(px).append("\" cy=\"").append(py).append("\" r=\"2.5\"/>");
                }
            }
            svg.raw("<g fill=\"" + Svg.color(i) + "\"><title>" + Svg.escape(s.name()) + "</title>"
                    + "<polyline fill=\"none\" stroke=\"" + Svg.color(i) + "\" stroke-width=\"2\" "
                    + "stroke-linejoin=\"round\" points=\"" + points + "\"/>" + markers + "</g>");
        }
        return svg.end();
    }
}
