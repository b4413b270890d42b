package io.chainmux.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReportTest {
    private final Scenario small = Scenario.smallMessages(64, 1);

    private Report report() {
        CompareRun.Config config = new CompareRun.Config(Duration.ofSeconds(1), Duration.ofSeconds(2), 3,
                List.of("raw-tcp", "http2"), List.of(small));
        Report.Result raw = Report.Result.of("raw-tcp", small, List.of(
                new Sample(3_000, 192_000, 1_000_000_000L),
                new Sample(1_000, 64_000, 1_000_000_000L),
                new Sample(2_000, 128_000, 1_000_000_000L)));
        Report.Result h2 = Report.Result.of("http2", small, List.of(
                new Sample(500, 32_000, 1_000_000_000L),
                new Sample(1_500, 96_000, 1_000_000_000L),
                new Sample(1_000, 64_000, 1_000_000_000L)));
        return Report.of(config, Instant.parse("2026-01-01T00:00:00Z"), List.of(raw, h2));
    }

    @Test
    void mediansMinMaxAndRatioToRaw() {
        Report r = report();
        Report.Result raw = r.results().get(0);
        Report.Result h2 = r.results().get(1);
        assertThat(raw.median()).isEqualTo(2_000);
        assertThat(raw.min()).isEqualTo(1_000);
        assertThat(raw.max()).isEqualTo(3_000);
        assertThat(raw.ratioVsRaw()).isEqualTo(1.0);
        assertThat(h2.median()).isEqualTo(1_000);
        assertThat(h2.ratioVsRaw()).isEqualTo(0.5);
        assertThat(h2.samples()).extracting(Report.Measured::round).containsExactly(1, 2, 3);
        assertThat(Report.median(new double[] {1, 2, 3, 10})).isEqualTo(2.5);
    }

    @Test
    void tableColumnsAreAligned() {
        StringWriter text = new StringWriter();
        ReportTable.print(report(), new PrintWriter(text));
        List<String> lines = text.toString().lines().toList();
        assertThat(lines.get(0)).startsWith("contender").contains("scenario", "median", "min", "max", "vs raw");
        assertThat(lines.get(1)).startsWith("raw-tcp").contains("2,000", "1.00");
        assertThat(lines.get(2)).startsWith("http2").contains("1,000", "0.50");
        // Right-aligned numbers: the median column ends at the same position on every row.
        int end = lines.get(0).indexOf("median") + "median".length();
        assertThat(lines.get(1).substring(0, end)).endsWith("2,000");
        assertThat(lines.get(2).substring(0, end)).endsWith("1,000");
    }

    @Test
    void thePipeLineNamesEveryMeasuredIntervalWhereTheSendersPipeTightened() {
        Report.Result mux = Report.Result.of("chainmux", small, List.of(
                new Sample(1_000, 64_000, 1_000_000_000L, -1, -1, 0),
                new Sample(1_000, 64_000, 1_000_000_000L, -1, -1, 3),
                new Sample(1_000, 64_000, 1_000_000_000L, -1, -1, 1)));
        CompareRun.Config config = new CompareRun.Config(Duration.ofSeconds(1), Duration.ofSeconds(2), 3,
                List.of("raw-tcp", "chainmux"), List.of(small));
        Report withPipe = Report.of(config, Instant.parse("2026-01-01T00:00:00Z"),
                List.of(report().results().get(0), mux));
        assertThat(mux.samples()).extracting(Report.Measured::pipeTightened).containsExactly(0L, 3L, 1L);
        assertThat(ReportTable.pipeLine(withPipe))
                .isEqualTo("pipe tightened (times, in measured intervals): chainmux 64B x 1 round 2: 3; chainmux 64B x 1 round 3: 1");
        StringWriter text = new StringWriter();
        ReportTable.print(withPipe, new PrintWriter(text));
        assertThat(text.toString()).contains("chainmux 64B x 1 round 2: 3");

        Report.Result calm = Report.Result.of("chainmux", small, List.of(new Sample(1_000, 64_000, 1_000_000_000L, -1, -1, 0)));
        assertThat(ReportTable.pipeLine(Report.of(config, Instant.EPOCH, List.of(calm))))
                .isEqualTo("pipe tightened: never in a measured interval");
        // Contenders without a pipe: no line at all, and null in the JSON.
        assertThat(ReportTable.pipeLine(report())).isNull();
        assertThat(report().results().get(0).samples()).extracting(Report.Measured::pipeTightened).containsOnlyNulls();
        assertThat(CompareRun.tightenings(new Sample(1, 64, 1, -1, -1, 2))).isEqualTo(" (pipe tightened 2 times)");
        assertThat(CompareRun.tightenings(new Sample(1, 64, 1, -1, -1, 1))).isEqualTo(" (pipe tightened 1 time)");
        assertThat(CompareRun.tightenings(new Sample(1, 64, 1, -1, -1, 0))).isEmpty();
        assertThat(CompareRun.tightenings(new Sample(1, 64, 1))).isEmpty();
    }

    @Test
    void cpuIsPerMessageForSmallMessagesAndPerKibForBulk() {
        Scenario bulk = Scenario.bulk();
        // 1000 messages of 64 KiB: 16 ms of sender CPU is 250 ns per KiB, 32 ms of receiver CPU 500
        Report.Result b = Report.Result.of("chainmux", bulk, List.of(
                new Sample(1_000, 1_000L * bulk.workload().messageSize(), 1_000_000_000L, 16_000_000, 32_000_000, 0)));
        // 1000 messages of 64 B: 40 us and 60 us of CPU are 40 and 60 ns per message
        Report.Result m = Report.Result.of("chainmux", small, List.of(
                new Sample(1_000, 64_000, 1_000_000_000L, 40_000, 60_000, 0)));
        CompareRun.Config config = new CompareRun.Config(Duration.ofSeconds(1), Duration.ofSeconds(2), 1,
                List.of("chainmux"), List.of(bulk, small));
        StringWriter text = new StringWriter();
        ReportTable.print(Report.of(config, Instant.EPOCH, List.of(b, m)), new PrintWriter(text));
        List<String> lines = text.toString().lines().toList();
        int perMessage = lines.indexOf("CPU time per delivered message (event-loop threads, JVM thread CPU clocks; medians over rounds):");
        int perKib = lines.indexOf("CPU time per KiB of payload delivered (the same clocks):");
        assertThat(perMessage).isPositive();
        assertThat(perKib).isGreaterThan(perMessage);
        assertThat(lines.get(perMessage + 2)).matches("chainmux\\s+64B x 1\\s+40\\s+60\\s+100");
        assertThat(lines.get(perKib + 1)).contains("sender ns/KiB", "receiver ns/KiB");
        assertThat(lines.get(perKib + 2)).matches("chainmux\\s+bulk\\s+250\\s+500\\s+750");
    }

    @Test
    void jsonKeepsEveryRawFigure(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out/report.json");
        ReportJson.write(report(), file);
        Report back = ReportJson.read(file);
        assertThat(back).isEqualTo(report());
        assertThat(back.results().get(1).samples().get(0).messages()).isEqualTo(500);
    }
}
