package io.chainmux.bench.chart;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class BarChartTest {
    private static BarChart chart(boolean log, BarChart.Bar... bars) {
        return new BarChart("t", null, List.of(new BarChart.Panel("MB/s", log, List.of(new BarChart.Group("g", List.of(bars))))));
    }

    @Test
    void linearBarsAreProportionalToTheirValues() throws Exception {
        Document doc = ChartXml.parse(chart(false, new BarChart.Bar("a", 100), new BarChart.Bar("b", 25),
                new BarChart.Bar("c", 50)).toSvg());
        List<Element> bars = ChartXml.bars(doc);
        assertThat(bars).hasSize(3);
        double a = ChartXml.num(bars.get(0), "width");
        assertThat(a).isPositive();
        assertThat(ChartXml.num(bars.get(1), "width") / a).isCloseTo(0.25, within(0.01));
        assertThat(ChartXml.num(bars.get(2), "width") / a).isCloseTo(0.5, within(0.01));
        assertThat(bars).extracting(b -> b.getAttribute("x")).containsOnly(bars.get(0).getAttribute("x"));
        assertThat(ChartXml.texts(doc)).contains("t", "g", "a", "b", "c", "100", "25", "50", "MB/s");
    }

    @Test
    void logBarsAreProportionalToTheLogarithmAboveTheLowestDecade() throws Exception {
        // values 10 .. 10,000: the axis runs from 1 (a decade of room below 10) to 10,000
        Document doc = ChartXml.parse(chart(true, new BarChart.Bar("a", 10_000), new BarChart.Bar("b", 10),
                new BarChart.Bar("c", 100)).toSvg());
        List<Element> bars = ChartXml.bars(doc);
        double a = ChartXml.num(bars.get(0), "width");
        assertThat(ChartXml.num(bars.get(1), "width") / a).isCloseTo(0.25, within(0.01));
        assertThat(ChartXml.num(bars.get(2), "width") / a).isCloseTo(0.5, within(0.01));
        assertThat(ChartXml.texts(doc)).contains("MB/s, log scale", "1", "10", "100", "1k", "10k");
    }

    @Test
    void referenceAndTargetAreDrawnWithTheirLabels(@TempDir Path dir) throws Exception {
        BarChart c = new BarChart("mux", "sub", List.of(new BarChart.Panel("ratio", false, List.of(
                new BarChart.Group("bulk", List.of(new BarChart.Bar("raw-tcp", 1), new BarChart.Bar("chainmux", 0.9)),
                        0.95, "target 0.95: MISSED")), 1.0, "raw TCP = 1.0x")));
        Path file = dir.resolve("sub/dir/mux.svg");
        c.write(file);
        Document doc = ChartXml.parse(Files.readString(file));
        assertThat(ChartXml.texts(doc)).contains("sub", "raw TCP = 1.0x", "target 0.95: MISSED", "0.9");
        List<Element> dashed = ChartXml.elements(doc, "line").stream().filter(l -> l.hasAttribute("stroke-dasharray")).toList();
        assertThat(dashed).hasSize(2);
        double rawEnd = ChartXml.num(ChartXml.bars(doc).get(0), "x") + ChartXml.num(ChartXml.bars(doc).get(0), "width");
        assertThat(dashed).anySatisfy(l -> assertThat(ChartXml.num(l, "x1")).isCloseTo(rawEnd, within(0.2)));
    }

    @Test
    void textIsEscapedAndControlCharactersReplaced() throws Exception {
        String nasty = "<b>&\"quoted\" 'x' \u0001 \uD83D\uDE80</b>";
        Document doc = ChartXml.parse(new BarChart(nasty, nasty, List.of(new BarChart.Panel(nasty, false, List.of(
                new BarChart.Group(nasty, List.of(new BarChart.Bar(nasty, 1, nasty)), 0.5, nasty)), 1.0, nasty))).toSvg());
        String expected = nasty.replace('\u0001', '\uFFFD');
        assertThat(ChartXml.texts(doc)).filteredOn(expected::equals).hasSizeGreaterThanOrEqualTo(6);
        assertThat(ChartXml.bars(doc).get(0).getTextContent()).isEqualTo(expected + ": " + expected);
    }

    @Test
    void degenerateButValidInputsRender() throws Exception {
        assertThat(ChartXml.bars(ChartXml.parse(chart(false, new BarChart.Bar("zero", 0)).toSvg())))
                .singleElement().satisfies(b -> assertThat(ChartXml.num(b, "width")).isZero());
        assertThat(ChartXml.bars(ChartXml.parse(chart(true, new BarChart.Bar("one", 1000)).toSvg())))
                .singleElement().satisfies(b -> assertThat(ChartXml.num(b, "width")).isPositive());
        String longName = "x".repeat(300);
        Document wide = ChartXml.parse(new BarChart(longName, null, List.of(new BarChart.Panel("u", false,
                List.of(new BarChart.Group("g", List.of(new BarChart.Bar("s", 1))))))).toSvg());
        assertThat(ChartXml.num(wide.getDocumentElement(), "width")).isGreaterThan(300 * 16 * 0.6);
    }

    @Test
    void badInputsFailWithClearErrors() {
        BarChart.Bar one = new BarChart.Bar("a", 1);
        BarChart.Group g = new BarChart.Group("g", List.of(one));
        assertThatThrownBy(() -> new BarChart("t", null, List.of())).hasMessage("chart 't' has no panels");
        assertThatThrownBy(() -> new BarChart(" ", null, List.of(new BarChart.Panel("u", false, List.of(g)))))
                .hasMessage("chart title must not be blank");
        assertThatThrownBy(() -> new BarChart.Panel("u", false, List.of())).hasMessage("panel 'u' has no groups");
        assertThatThrownBy(() -> new BarChart.Group("g", List.of())).hasMessage("group 'g' has no bars");
        assertThatThrownBy(() -> new BarChart.Bar("a", Double.NaN))
                .hasMessage("value of bar 'a' must be a finite number, got NaN");
        assertThatThrownBy(() -> new BarChart.Bar("a", -1)).hasMessage("value of bar 'a' must be >= 0, got -1.0");
        assertThatThrownBy(() -> new BarChart.Bar(null, 1)).hasMessage("bar series name must not be blank");
        assertThatThrownBy(() -> new BarChart.Panel("u", true, List.of(new BarChart.Group("g",
                List.of(new BarChart.Bar("z", 0))))))
                .hasMessage("panel 'u' is log-scaled but has value 0.0; log axes need values > 0");
        assertThatThrownBy(() -> new BarChart.Group("g", List.of(one), Double.POSITIVE_INFINITY, null))
                .hasMessageContaining("target of group 'g' must be a finite number");
        assertThatThrownBy(() -> new BarChart.Group("g", List.of(one), -0.5, null))
                .hasMessage("target of group 'g' must be >= 0, got -0.5");
        assertThatThrownBy(() -> new BarChart.Panel("u", false, List.of(g), -1.0, null))
                .hasMessage("reference of panel 'u' must be >= 0, got -1.0");
    }
}
