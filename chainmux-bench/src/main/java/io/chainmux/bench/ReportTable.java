package io.chainmux.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Prints a {@link Report} as an aligned text table: contender, scenario, median, min, max, unit, vs raw. */
public final class ReportTable {
    private static final String[] HEADER = {"contender", "scenario", "median", "min", "max", "unit", "vs raw"};
    /** Text columns are left-aligned, numbers right-aligned. */
    private static final boolean[] LEFT = {true, true, false, false, false, true, false};

    private ReportTable() {}

    private static final String[] CPU_HEADER = {"contender", "scenario", "sender ns/msg", "receiver ns/msg",
            "total ns/msg"};
    private static final boolean[] CPU_LEFT = {true, true, false, false, false};
    private static final String[] CPU_BYTES_HEADER = {"contender", "scenario", "sender ns/KiB", "receiver ns/KiB",
            "total ns/KiB"};

    public static void print(Report report, PrintWriter out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (Report.Result r : report.results()) {
            rows.add(new String[] {r.contender(), r.scenario(), Report.format(r.median()), Report.format(r.min()),
                    Report.format(r.max()), r.unit(),
                    r.ratioVsRaw() == null ? "-" : String.format(Locale.ROOT, "%.2f", r.ratioVsRaw())});
        }
        align(rows, LEFT, out);
        out.printf(Locale.ROOT, "%d round(s), %.1f s warm-up + %.1f s measured each; %s%s; MB = 10^6 bytes of payload%n",
                report.rounds(), report.warmupSeconds(), report.measureSeconds(), report.transport(), report.pathNote());
        cpuTable(report, Scenario.Metric.MESSAGES_PER_SECOND, CPU_HEADER,
                "CPU time per delivered message (event-loop threads, JVM thread CPU clocks; medians over rounds):", out);
        // Per KiB for bulk: a steadier figure than its rate on a shared machine (the receiver's kernel
        // copy shows in it), and comparable across message sizes.
        cpuTable(report, Scenario.Metric.MEGABYTES_PER_SECOND, CPU_BYTES_HEADER,
                "CPU time per KiB of payload delivered (the same clocks):", out);
        String pipe = pipeLine(report);
        if (pipe != null) {
            out.println();
            out.println(pipe);
        }
        out.flush();
    }

    private static void cpuTable(Report report, Scenario.Metric metric, String[] header, String title, PrintWriter out) {
        List<String[]> cpu = new ArrayList<>();
        cpu.add(header);
        for (Report.Result r : report.results()) {
            if (r.senderCpuNsPerMessage() != null && r.receiverCpuNsPerMessage() != null
                    && r.unit().equals(metric.unit)) {
                double per = metric == Scenario.Metric.MESSAGES_PER_SECOND ? 1 : r.messageSize() / 1024.0;
                cpu.add(new String[] {r.contender(), r.scenario(), Report.format(r.senderCpuNsPerMessage() / per),
                        Report.format(r.receiverCpuNsPerMessage() / per),
                        Report.format((r.senderCpuNsPerMessage() + r.receiverCpuNsPerMessage()) / per)});
            }
        }
        if (cpu.size() > 1) {
            out.println();
            out.println(title);
            align(cpu, CPU_LEFT, out);
        }
    }

    /**
     * Where the sender's pipe tightened (contenders that have one), so a slow round can be told from
     * one held back by the contended budget; null when no result has a pipe.
     */
    static String pipeLine(Report report) {
        List<String> tightened = new ArrayList<>();
        boolean any = false;
        for (Report.Result r : report.results()) {
            for (Report.Measured m : r.samples()) {
                if (m.pipeTightened() == null) {
                    continue;
                }
                any = true;
                if (m.pipeTightened() > 0) {
                    tightened.add(String.format(Locale.ROOT, "%s %s round %d: %d", r.contender(), r.scenario(),
                            m.round(), m.pipeTightened()));
                }
            }
        }
        if (!any) {
            return null;
        }
        return tightened.isEmpty()
                ? "pipe tightened: never in a measured interval"
                : "pipe tightened (times, in measured intervals): " + String.join("; ", tightened);
    }

    private static void align(List<String[]> rows, boolean[] left, PrintWriter out) {
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                if (i > 0) {
                    line.append("  ");
                }
                String pad = " ".repeat(width[i] - row[i].length());
                line.append(left[i] ? row[i] + pad : pad + row[i]);
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
