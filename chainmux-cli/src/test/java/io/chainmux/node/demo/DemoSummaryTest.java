package io.chainmux.node.demo;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo's OK criteria and its failure figures, from node reports made up for the purpose. */
class DemoSummaryTest {
    private static final DemoSettings SETTINGS = DemoSettings.builder().nodes(3).chains(2).degree(1).blocks(10).build();

    /** A node at its degree with every chain verified, no message lost, and the given session failures. */
    private static NodeReport node(int index, int degree, long failed, Map<String, Long> reasons) {
        NodeReport r = new NodeReport(index, "peer" + index, "127.0.0.1:" + (7000 + index), index == SETTINGS.lateNode(),
                0, 0, SETTINGS.chains(), 0, null, 0, 0, 0, 0, 0, 0, 0, 2, 2, 10, degree * SETTINGS.chains(), degree,
                5, failed, 5, 0, degree, 0, 3, 0, 100, 100, 100, 0, 0, 0, 0, null, reasons, null);
        return r.withFinal(new NodeReport.Final(SETTINGS.chains(), SETTINGS.chains(), 22, "", Map.of()));
    }

    private static DemoSummary summary(List<NodeReport> reports) {
        return DemoSummary.of(SETTINGS, reports, reports, List.of(), true, 1.0, 2.0);
    }

    @Test
    void aCleanRunIsOk() {
        List<NodeReport> reports = new ArrayList<>();
        for (int i = 0; i < SETTINGS.nodes(); i++) {
            reports.add(node(i, 1, 0, Map.of()));
        }
        DemoSummary s = summary(reports);
        assertThat(s.failures()).isEmpty();
        assertThat(s.ok()).isTrue();
        assertThat(s.json()).containsEntry("sessions_failed", 0L).containsEntry("all_at_degree", true)
                .containsEntry("sessions_failed_by_reason", Map.of());
        assertThat(s.text()).contains("result    OK");
    }

    @Test
    void aFailedSessionFailsTheRunAndIsShownByReason() {
        List<NodeReport> reports = new ArrayList<>();
        reports.add(node(0, 1, 3, Map.of("closed: CONNECTION_LOST", 2L, "misbehaved", 1L)));
        reports.add(node(1, 1, 1, Map.of("closed: CONNECTION_LOST", 1L)));
        reports.add(node(2, 1, 0, Map.of()));
        DemoSummary s = summary(reports);
        assertThat(s.ok()).isFalse();
        assertThat(s.json().get("sessions_failed_by_reason"))
                .isEqualTo(Map.of("closed: CONNECTION_LOST", 3L, "misbehaved", 1L));
        assertThat(s.failures()).singleElement().asString().startsWith("sessions_failed is 4");
        assertThat(s.text()).contains("4 failed {closed: CONNECTION_LOST=3, misbehaved=1}").contains("FAILED");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> perNode = (List<Map<String, Object>>) s.json().get("per_node");
        assertThat(perNode.get(1)).containsEntry("sessions_failed_by_reason", Map.of("closed: CONNECTION_LOST", 1L));
    }

    @Test
    void aNodeBelowItsDegreeFailsTheRun() {
        List<NodeReport> reports = new ArrayList<>();
        reports.add(node(0, 1, 0, Map.of()));
        reports.add(node(1, 0, 0, Map.of()));
        reports.add(node(2, 1, 0, Map.of()));
        DemoSummary s = summary(reports);
        assertThat(s.ok()).isFalse();
        assertThat(s.json()).containsEntry("all_at_degree", false);
        assertThat(s.failures()).containsExactly("all_at_degree is false");
    }
}
