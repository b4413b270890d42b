package io.chainmux.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chainmux.bench.Contenders;
import io.chainmux.bench.Report;
import io.chainmux.bench.ReportChart;
import io.chainmux.bench.Scenario;
import io.chainmux.bench.chainmux.ChainmuxContender;
import io.chainmux.bench.chart.BarChart;
import io.chainmux.bench.iperf.Iperf3Contender;
import io.chainmux.bench.latency.ChainmuxPingPong;
import io.chainmux.bench.latency.RawPingPong;
import io.chainmux.bench.latency.RoundTripRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code chainmux bench mux}: the multiplexer against raw TCP, the physical limit, in one run: bulk
 * throughput over one stream (with iperf3 as an external reference), 64-byte messages spread over
 * 1000 streams, and the round trip of one 64-byte message on one stream.
 */
@Command(name = "mux", sortOptions = false,
        description = {
                "Measures chainmux against raw TCP on 127.0.0.1 in one run: bulk (64 KiB messages, one stream, "
                        + "MB/s; target >= 0.95x raw), 64 B messages over 1000 streams (messages/s; target "
                        + ">= 0.85x raw) and the 64 B ping-pong round trip on one stream (p50 and p99; target p50 "
                        + "<= 1.2x raw). iperf3 (if installed) adds the kernel's own bulk figure as a reference row. "
                        + "Contenders alternate within each round; medians over the rounds.",
                "--json writes bulk_ratio, small_msg_ratio, rtt_ratio and the raw and iperf3 figures behind them. "
                        + "The chart (--chart, or next to --json) shows the throughput ratios to raw TCP with their "
                        + "targets marked."})
public final class MuxBenchCommand implements Callable<Integer> {
    static final double BULK_TARGET = 0.95;
    static final double SMALL_TARGET = 0.85;
    static final double RTT_TARGET = 1.2;
    static final int RTT_MESSAGE_SIZE = 64;

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
        Report report = run.execute(spec, List.of(Contenders.BASELINE, ChainmuxContender.NAME, Iperf3Contender.NAME),
                List.of(bulk, small));
        Map<String, RoundTripRun.Result> rtt = new RoundTripRun(List.of(new RawPingPong(), new ChainmuxPingPong()),
                RTT_MESSAGE_SIZE, Duration.ofNanos(Math.round(run.warmupSeconds * 1e9)),
                Duration.ofNanos(Math.round(run.seconds * 1e9)), run.rounds, spec.commandLine().getErr()).run();
        double rawBulk = median(report, Contenders.BASELINE, bulk).orElseThrow();
        double muxBulk = median(report, ChainmuxContender.NAME, bulk).orElseThrow();
        Double iperfBulk = median(report, Iperf3Contender.NAME, bulk).orElse(null);
        double rawSmall = median(report, Contenders.BASELINE, small).orElseThrow();
        double muxSmall = median(report, ChainmuxContender.NAME, small).orElseThrow();
        RoundTripRun.Result rawRtt = rtt.get(Contenders.BASELINE);
        RoundTripRun.Result muxRtt = rtt.get(ChainmuxContender.NAME);
        double rttRatio = muxRtt.p50Micros() / rawRtt.p50Micros();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("bulk_ratio", round(muxBulk / rawBulk));
        summary.put("small_msg_ratio", round(muxSmall / rawSmall));
        summary.put("rtt_ratio", round(rttRatio));
        summary.put("bulk_target", BULK_TARGET);
        summary.put("small_msg_target", SMALL_TARGET);
        summary.put("rtt_ratio_target", RTT_TARGET);
        summary.put("raw_bulk_mb_per_s", rawBulk);
        summary.put("chainmux_bulk_mb_per_s", muxBulk);
        summary.put("iperf3_bulk_mb_per_s", iperfBulk);
        summary.put("chainmux_bulk_vs_iperf3", iperfBulk == null ? null : round(muxBulk / iperfBulk));
        summary.put("raw_small_msg_per_s", rawSmall);
        summary.put("chainmux_small_msg_per_s", muxSmall);
        summary.put("rtt_message_bytes", RTT_MESSAGE_SIZE);
        summary.put("rtt_p50_us", round(muxRtt.p50Micros()));
        summary.put("rtt_p99_us", round(muxRtt.p99Micros()));
        summary.put("raw_rtt_p50_us", round(rawRtt.p50Micros()));
        summary.put("raw_rtt_p99_us", round(rawRtt.p99Micros()));
        summary.put("report", report);
        summary.put("rtt", rtt.values());
        PrintWriter out = spec.commandLine().getOut();
        out.println();
        out.printf(Locale.ROOT, "round trip, 64 B on one stream (medians of %d round(s)):%n", run.rounds);
        out.printf(Locale.ROOT, "  raw-tcp   p50 %8.1f us   p99 %8.1f us%n", rawRtt.p50Micros(), rawRtt.p99Micros());
        out.printf(Locale.ROOT, "  chainmux  p50 %8.1f us   p99 %8.1f us%n", muxRtt.p50Micros(), muxRtt.p99Micros());
        if (iperfBulk == null) {
            out.println("iperf3: not run (not installed; Debian: apt-get install -y iperf3)");
        } else {
            out.printf(Locale.ROOT, "%niperf3 bulk reference %s MB/s; chainmux bulk is %.3fx of it%n",
                    Report.format(iperfBulk), muxBulk / iperfBulk);
        }
        out.printf(Locale.ROOT, "%nbulk_ratio      %.3f (target >= %.2f) %s%n", muxBulk / rawBulk, BULK_TARGET,
                muxBulk / rawBulk >= BULK_TARGET ? "met" : "MISSED");
        out.printf(Locale.ROOT, "small_msg_ratio %.3f (target >= %.2f) %s%n", muxSmall / rawSmall, SMALL_TARGET,
                muxSmall / rawSmall >= SMALL_TARGET ? "met" : "MISSED");
        out.printf(Locale.ROOT, "rtt_ratio       %.3f (target <= %.2f) %s; chainmux p50 %.1f us%n", rttRatio, RTT_TARGET,
                rttRatio <= RTT_TARGET ? "met" : "MISSED", muxRtt.p50Micros());
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

    private static Optional<Double> median(Report report, String contender, Scenario scenario) {
        return report.results().stream()
                .filter(r -> r.contender().equals(contender) && r.scenario().equals(scenario.name()))
                .findFirst().map(Report.Result::median);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
