package io.chainmux.bench.chart;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LineChartTest {
    private static LineChart.Series s(String name, double[] x, double[] y) {
        return new LineChart.Series(name, x, y);
    }

    @Test
    void seriesBecomePolylinesWithALegend() throws Exception {
        double[] t = {0, 1, 2, 3, 4};
        Document doc = ChartXml.parse(new LineChart("catch-up", "time (s)", "caught up (%)", List.of(
                s("node <a>", t, new double[] {0, 25, 50, 75, 100}),
                s("node b", t, new double[] {0, 10, 20, 30, 40}))).toSvg());
        List<Element> lines = ChartXml.elements(doc, "polyline");
        assertThat(lines).hasSize(2);
        assertThat(ChartXml.texts(doc)).contains("catch-up", "time (s)", "caught up (%)", "node <a>", "node b", "100");
        // a straight series stays straight: equal steps in x and y give equal pixel steps
        String[] p = lines.get(0).getAttribute("points").split(" ");
        assertThat(p).hasSize(5);
        double[] ys = java.util.Arrays.stream(p).mapToDouble(xy -> Double.parseDouble(xy.split(",")[1])).toArray();
        assertThat(ys[0]).isGreaterThan(ys[4]); // higher values are drawn higher up
        assertThat(ys[1] - ys[0]).isCloseTo(ys[4] - ys[3], within(0.2));
        assertThat(ChartXml.elements(doc, "circle")).hasSize(10);
    }

    @Test
    void seriesAreImmutable() {
        double[] x = {1, 2};
        LineChart.Series s = s("a", x, new double[] {3, 4});
        x[0] = 99;
        s.x()[1] = 99;
        assertThat(s.x()).containsExactly(1, 2);
    }

    @Test
    void singlePointAndConstantSeriesRender() throws Exception {
        Document doc = ChartXml.parse(new LineChart("t", "s", "v", List.of(
                s("one", new double[] {3}, new double[] {7}), s("flat", new double[] {3}, new double[] {0}))).toSvg());
        assertThat(ChartXml.elements(doc, "polyline")).hasSize(2);
        assertThat(ChartXml.elements(doc, "polyline").get(0).getAttribute("points")).doesNotContain("NaN", "Infinity");
    }

    @Test
    void badInputsFailWithClearErrors() {
        double[] one = {1};
        assertThatThrownBy(() -> new LineChart("t", "x", "y", List.of())).hasMessage("chart 't' has no series");
        assertThatThrownBy(() -> s("a", one, new double[] {1, 2}))
                .hasMessage("series 'a' needs as many x as y values, at least one; got 1 x and 2 y");
        assertThatThrownBy(() -> s("a", new double[0], new double[0])).hasMessageContaining("at least one");
        assertThatThrownBy(() -> s("a", one, new double[] {Double.NaN}))
                .hasMessage("y[0] of series 'a' must be a finite number, got NaN");
        assertThatThrownBy(() -> new LineChart("t", "x", "y", List.of(s("a", one, one), s("a", one, one))))
                .hasMessage("chart 't' has two series named 'a'");
        assertThatThrownBy(() -> new LineChart("t", "", "y", List.of(s("a", one, one))))
                .hasMessage("x axis label must not be blank");
    }
}
