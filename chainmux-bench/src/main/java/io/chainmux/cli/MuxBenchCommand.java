package io.chainmux.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chainmux.bench.Contenders;
import io.chainmux.bench.Report;
import io.chainmux.bench.ReportChart;
import io.chainmux.bench.Scenario;
import io.chainmux.bench.chainmux.ChainmuxContender;
import io.chainmux.bench.chart.BarChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code chainmux bench mux}: the multiplexer against raw TCP, the physical limit, in one run: bulk
 * throughput over one stream, and 64-byte messages spread over 1000 streams.
 */
@Command(name = "mux", sortOptions = false,
        description = {
                "Measures chainmux against raw TCP on 127.0.0.1 in one run: bulk (64 KiB messages, one stream, "
                        + "MB/s; target >= 0.95x raw) and 64 B messages over 1000 streams (messages/s; target "
                        + ">= 0.85x raw). Contenders alternate within each round; medians over the rounds.",
                "--json writes bulk_ratio, small_msg_ratio and the raw figures behind them. The chart (--chart, "
                        + "or next to --json) shows both ratios to raw TCP with their targets marked."})
public final class MuxBenchCommand implements Callable<Integer> {
    static final double BULK_TARGET = 0.95;
    static final double SMALL_TARGET = 0.85;

    @Spec
    CommandSpec spec;

    @Mixin
    RunOptions run;

    static final Scenario BULK = Scenario.bulk();
    static final Scenario SMALL = Scenario.smallMessages(64, 1000);

    @Override
    public Integer call() throws Exception {
        Scenario bulk = BULK;
        Scenario small = SMALL;
        Path chartFile = run.chartFile(spec);
        Report report = run.execute(spec, List.of(Contenders.BASELINE, ChainmuxContender.NAME), List.of(bulk, small));
        double rawBulk = median(report, Contenders.BASELINE, bulk);
        double muxBulk = median(report, ChainmuxContender.NAME, bulk);
        double rawSmall = median(report, Contenders.BASELINE, small);
        double muxSmall = median(report, ChainmuxContender.NAME, small);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("bulk_ratio", round(muxBulk / rawBulk));
        summary.put("small_msg_ratio", round(muxSmall / rawSmall));
        summary.put("bulk_target", BULK_TARGET);
        summary.put("small_msg_target", SMALL_TARGET);
        summary.put("raw_bulk_mb_per_s", rawBulk);
        summary.put("chainmux_bulk_mb_per_s", muxBulk);
        summary.put("raw_small_msg_per_s", rawSmall);
        summary.put("chainmux_small_msg_per_s", muxSmall);
        summary.put("report", report);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%nbulk_ratio      %.3f (target >= %.2f) %s%n", muxBulk / rawBulk, BULK_TARGET,
                muxBulk / rawBulk >= BULK_TARGET ? "met" : "MISSED");
        out.printf(Locale.ROOT, "small_msg_ratio %.3f (target >= %.2f) %s%n", muxSmall / rawSmall, SMALL_TARGET,
                muxSmall / rawSmall >= SMALL_TARGET ? "met" : "MISSED");
        out.flush();
        if (run.json != null) {
            Files.writeString(run.json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(summary));
            spec.commandLine().getErr().println("wrote " + run.json.toAbsolutePath());
        }
        if (chartFile != null) {
            ChartOption.write(chart(report), chartFile, spec.commandLine().getErr());
        }
        return 0;
    }

    /** Both ratios to raw TCP, each with its target marked met or MISSED. */
    static BarChart chart(Report report) {
        return ReportChart.againstTargets("chainmux bench mux: chainmux vs raw TCP, medians of " + report.rounds()
                + " round(s)", report, Map.of(BULK.name(), BULK_TARGET, SMALL.name(), SMALL_TARGET));
    }

    private static double median(Report report, String contender, Scenario scenario) {
        return report.results().stream()
                .filter(r -> r.contender().equals(contender) && r.scenario().equals(scenario.name()))
                .findFirst().orElseThrow().median();
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
