package io.chainmux.bench.sim;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SimGridTest {
    @Test
    void runsEveryCellTablesChartsAndSkipsWhatCostsTooMuch() {
        SimGrid.Config config = new SimGrid.Config(List.of(30, 400), List.of(5), 3, List.of("independent", "cap6"),
                List.of(SimGrid.Scenario.STATIC, SimGrid.Scenario.EXCHANGE), 1, 0.05, 2, 1_000_000, 5_000_000, 1);
        StringWriter err = new StringWriter();
        SimGrid grid = SimGrid.run(config, new PrintWriter(err));

        // static x 400 nodes is estimated above 5e6 visits: skipped, and said so
        assertThat(grid.skippedCells()).isEqualTo(2);
        assertThat(grid.results()).hasSize(6);
        assertThat(err.toString()).contains("skipped");
        StringWriter table = new StringWriter();
        grid.printTable(new PrintWriter(table));
        assertThat(table.toString()).contains("independent", "cap6", "exchange", "skipped");
        Map<String, Object> json = grid.toJson();
        assertThat((List<?>) json.get("results")).hasSize(6);
        assertThat((List<?>) json.get("skipped")).hasSize(2);
        assertThat(grid.chart().toSvg()).contains("distinct TCP peers per node", "cap6");
    }

    @Test
    void mergedRunsGiveTheCellsOfOneRun() throws Exception {
        SimGrid.Config both = new SimGrid.Config(List.of(40), List.of(4, 8), 3, List.of("sharing"),
                List.of(SimGrid.Scenario.EXCHANGE), 1, 0.05, 1, 1_000_000, Long.MAX_VALUE, 3);
        SimGrid.Config four = new SimGrid.Config(List.of(40), List.of(4), 3, List.of("sharing"),
                List.of(SimGrid.Scenario.EXCHANGE), 1, 0.05, 1, 1_000_000, Long.MAX_VALUE, 3);
        SimGrid.Config eight = new SimGrid.Config(List.of(40), List.of(8), 3, List.of("sharing"),
                List.of(SimGrid.Scenario.EXCHANGE), 1, 0.05, 1, 1_000_000, Long.MAX_VALUE, 3);
        PrintWriter quiet = new PrintWriter(new StringWriter());
        ObjectMapper mapper = new ObjectMapper();
        List<Map<String, Object>> parts = new java.util.ArrayList<>();
        for (SimGrid.Config c : List.of(eight, four)) {
            String json = mapper.writeValueAsString(SimGrid.run(c, quiet).toJson());
            parts.add(mapper.readValue(json, new TypeReference<Map<String, Object>>() {}));
        }

        SimGrid merged = SimGrid.merge(parts);
        SimGrid whole = SimGrid.run(both, quiet);

        assertThat(merged.results()).hasSize(2);
        for (int i = 0; i < 2; i++) {
            SimResult m = merged.results().get(i);
            SimResult w = whole.results().get(i);
            assertThat(m.params().chains()).isEqualTo(w.params().chains());
            assertThat(m.distinctPeers()).isEqualTo(w.distinctPeers());
            assertThat(m.busyRefusals()).isEqualTo(w.busyRefusals());
        }
    }

    @Test
    void scenariosParse() {
        assertThat(SimGrid.Scenario.parse(" Exchange")).isEqualTo(SimGrid.Scenario.EXCHANGE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SimGrid.Scenario.parse("mesh"))
                .hasMessageContaining("expected static, churn or exchange");
    }
}
