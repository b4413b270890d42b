package io.chainmux.node.demo;

import io.chainmux.bench.chart.LineChart;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The demo at a glance: the late node's catch-up and the small-message latency, second by second. */
public final class DemoChart {
    private DemoChart() {}

    @SuppressWarnings("unchecked")
    public static void write(DemoSummary summary, Path file) throws IOException {
        List<Progress.Sample> timeline = (List<Progress.Sample>) summary.json().get("timeline");
        if (timeline == null || timeline.isEmpty()) {
            throw new IOException("the run recorded no timeline to chart");
        }
        int n = timeline.size();
        double[] t = new double[n];
        double[] catchup = new double[n];
        double[] p50 = new double[n];
        double[] p99 = new double[n];
        for (int i = 0; i < n; i++) {
            Progress.Sample s = timeline.get(i);
            t[i] = s.t();
            catchup[i] = s.catchupPercent();
            p50[i] = s.msgP50Ms();
            p99[i] = s.msgP99Ms();
        }
        new LineChart("chainmux demo: catch-up while small messages flow", "seconds since start",
                "percent (catch-up), milliseconds (latency)", List.of(
                new LineChart.Series("late node caught up (%)", t, catchup),
                new LineChart.Series("small-message p50 (ms)", t, p50),
                new LineChart.Series("small-message p99 (ms)", t, p99))).write(file);
    }
}
