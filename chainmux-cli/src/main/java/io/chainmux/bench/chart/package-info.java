/**
 * A small, dependency-free SVG 1.1 chart writer for benchmark results: {@link
 * io.chainmux.bench.chart.BarChart} (horizontal grouped bars, linear or log axis, reference line and
 * per-group target markers) and {@link io.chainmux.bench.chart.LineChart} (named series over seconds).
 * Charts are immutable records validated on construction; {@code toSvg()} is a pure function.
 *
 * <p>Threading: no shared mutable state; any thread may build and render charts.
 */
package io.chainmux.bench.chart;
