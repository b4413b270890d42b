package io.chainmux.node.demo;

import org.HdrHistogram.Histogram;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The progress display: one line per tick on stderr, or one line rewritten in place ({@code \r}) when
 * stderr is a terminal; notes between ticks always get a line of their own. Also keeps the timeline
 * (one {@link Sample} per tick) for the summary.
 */
final class Progress {
    /** Chain groups shown for the late node's catch-up. */
    static final int GROUPS = 5;

    /**
     * One tick.
     *
     * @param catchupPercent the late node's blocks over the target, -1 before it started
     */
    record Sample(double t, String phase, double catchupPercent, double mbPerSecond, int tcp, int streams,
                  int sessionsActive, long msgCount, double msgP50Ms, double msgP99Ms, double msgMaxMs, long msgLost) {}

    private final DemoSettings settings;
    private final PrintWriter out;
    private final boolean inPlace;
    private final long startNanos;
    private final int width;
    private final List<Sample> timeline = new ArrayList<>();
    private long lastWire = -1;
    private long lastNanos;
    private int lastLength;

    Progress(DemoSettings settings, PrintWriter out, boolean inPlace, long startNanos) {
        this.settings = settings;
        this.out = out;
        this.inPlace = inPlace;
        this.startNanos = startNanos;
        this.width = terminalWidth();
    }

    /** A line rewritten in place must not wrap: $COLUMNS if the shell exports it, else 160. */
    private static int terminalWidth() {
        try {
            return Math.max(40, Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "160").trim()));
        } catch (NumberFormatException e) {
            return 160;
        }
    }

    List<Sample> timeline() {
        return List.copyOf(timeline);
    }

    double seconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** A line of its own (a phase starts, a problem). */
    void note(String format, Object... args) {
        endLine();
        out.printf(Locale.ROOT, "%6.1fs %s%n", seconds(), String.format(Locale.ROOT, format, args));
        out.flush();
    }

    /** Ends a line being rewritten in place, so what follows starts on a line of its own. */
    void endLine() {
        if (inPlace && lastLength > 0) {
            out.println();
            lastLength = 0;
        }
    }

    /** Shows one tick built from every node's report (the late node's, if started, is among them). */
    void tick(String phase, List<NodeReport> reports) {
        long now = System.nanoTime();
        NodeReport late = null;
        long wire = 0;
        int tcp = 0, streams = 0, active = 0;
        long ok = 0, failed = 0, lost = 0;
        Histogram interval = new Histogram(GossipStats.DIGITS);
        for (NodeReport r : reports) {
            if (r.late()) {
                late = r;
            }
            wire += r.wireBytesOut();
            tcp += r.tcpConnections();
            streams += r.streams();
            active += r.chainSessionsActive() + r.gossipActive();
            ok += r.chainSessionsOk() + r.gossipSessionsOk();
            failed += r.chainSessionsFailed() + r.gossipSessionsFailed();
            lost += r.msgLost();
            interval.add(Histograms.decode(r.intervalLatency()));
        }
        double dt = lastNanos == 0 ? 0 : (now - lastNanos) / 1e9;
        double mbps = lastWire < 0 || dt <= 0 ? 0 : (wire - lastWire) / 1e6 / dt;
        lastWire = wire;
        lastNanos = now;
        tcp = (tcp + 1) / 2; // each connection and stream is counted at both of its ends
        streams = (streams + 1) / 2;
        double pct = late == null ? -1 : 100.0 * late.heightSum() / ((double) settings.chains() * settings.blocks());

        // Most telling first: a terminal narrower than the line cuts the end off.
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%6.1fs %-8s", seconds(), phase));
        if (late != null) {
            line.append(String.format(Locale.ROOT, " late node %3.0f%% [chains %s] |", Math.floor(pct), groups(late)));
        }
        line.append(String.format(Locale.ROOT, " %.1f MB/s | tcp %d streams %d", Math.max(0, mbps), tcp, streams));
        if (tcp > 0) {
            line.append(String.format(Locale.ROOT, " (%.0f/tcp)", (double) streams / tcp));
        }
        line.append(String.format(Locale.ROOT, " | msgs %.0f/s p99 %.1f ms lost %d | sessions %d active %d ok %d failed",
                dt <= 0 ? interval.getTotalCount() : interval.getTotalCount() / dt, Histograms.millis(interval, 99),
                lost, active, ok, failed));
        timeline.add(new Sample(round(seconds()), phase, round(pct), round(Math.max(0, mbps)), tcp, streams, active,
                interval.getTotalCount(), round(Histograms.millis(interval, 50)), round(Histograms.millis(interval, 99)),
                round(interval.getMaxValue() / 1000.0), lost));
        if (inPlace) {
            String text = line.length() < width ? line.toString() : line.substring(0, width - 1);
            out.print("\r" + text + " ".repeat(Math.max(0, lastLength - text.length())));
            lastLength = text.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** "0-19 87% 20-39 40% ...": the late node's progress per group of chains. */
    private String groups(NodeReport late) {
        int chains = settings.chains();
        int groups = Math.min(GROUPS, chains);
        StringBuilder b = new StringBuilder();
        long[] heights = late.heights();
        for (int g = 0; g < groups; g++) {
            int from = (int) ((long) chains * g / groups);
            int to = (int) ((long) chains * (g + 1) / groups) - 1;
            long sum = 0;
            for (int c = from; heights != null && c <= to; c++) {
                sum += heights[c];
            }
            double pct = 100.0 * sum / ((double) (to - from + 1) * settings.blocks());
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(from == to ? Integer.toString(from) : from + "-" + to)
                    .append(String.format(Locale.ROOT, " %.0f%%", Math.floor(pct)));
        }
        return b.toString();
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
