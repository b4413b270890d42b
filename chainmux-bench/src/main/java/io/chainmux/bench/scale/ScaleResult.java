package io.chainmux.bench.scale;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chainmux.bench.chart.BarChart;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Every figure of a scale run, by its JSON name; the table and the chart drawn from them. */
public record ScaleResult(Map<String, Object> figures) {
    public ScaleResult {
        figures = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(figures));
    }

    /** Every chain at degree after forming and after the heal, no unexplained failure, no message lost. */
    public boolean ok() {
        return Boolean.TRUE.equals(figures.get("ok"));
    }

    public String toJson() {
        try {
            return ScaleNodeMain.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(figures);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The figures a person looks at, one per line, with units. */
    public void printTable(PrintWriter out) {
        row(out, "mode", figures.get("mode") + ", " + figures.get("chains") + " chains x degree " + figures.get("degree")
                + ", " + figures.get("peers") + " peers");
        row(out, "streams (idle)", figures.get("logical_connections"));
        row(out, "TCP connections (idle)", figures.get("tcp_connections"));
        row(out, "file descriptors (idle)", figures.get("fds"));
        row(out, "threads", figures.get("threads"));
        row(out, "heap after GC (idle)", mib(figures.get("heap_after_gc_bytes")));
        row(out, "heap per idle stream", bytes(figures.get("heap_per_logical_bytes")));
        row(out, "direct memory", mib(figures.get("direct_bytes")));
        row(out, "RSS (idle)", mib(figures.get("rss_bytes")));
        row(out, "kernel TCP buffers, both ends", mib(figures.get("kernel_tcp_bytes")));
        row(out, "kernel sockets + buffers, both ends", mib(figures.get("kernel_socket_bytes")));
        row(out, "CPU idle / steady", figures.get("idle_cpu_percent") + " % / " + figures.get("steady_cpu_percent")
                + " % of a core (idle over the phase's second half; whole phase " + figures.get("idle_cpu_percent_whole_phase") + " %)");
        row(out, "CPU per message (steady)", figures.get("cpu_per_message_us") + " us");
        row(out, "keepalive traffic (idle)", figures.get("keepalive_bytes_per_s") + " B/s");
        row(out, "form", seconds(figures.get("form_seconds")));
        row(out, "catch-up", seconds(figures.get("catchup_seconds")) + ", " + figures.get("catchup_mb_per_s") + " MB/s");
        row(out, "heal after the cut", seconds(figures.get("heal_seconds")) + ", " + figures.get("handshakes_to_heal")
                + " handshakes");
        if (figures.get("small_msg") instanceof Map<?, ?> phases) {
            phases.forEach((phase, v) -> {
                if (v instanceof Map<?, ?> m) {
                    row(out, "small msg " + phase + " p50/p99/max", m.get("p99_ms") == null ? "no round trip in the phase"
                            : String.format(Locale.ROOT, "%s / %s / %s ms", m.get("p50_ms"), m.get("p99_ms"), m.get("max_ms")));
                }
            });
        }
        row(out, "sessions started / ok / failed", figures.get("sessions_started") + " / " + figures.get("sessions_ok")
                + " / " + figures.get("sessions_failed"));
        row(out, "failed, injected (cut)", figures.get("sessions_failed_injected"));
        row(out, "failed, unexplained", figures.get("sessions_failed_unexplained"));
        row(out, "small messages sent / lost", figures.get("messages_sent") + " / " + figures.get("messages_lost"));
        row(out, "targets missed", figures.get("targets_missed"));
        row(out, "load average start / end", figures.get("load_average_at_start") + " / " + figures.get("load_average_at_end"));
        out.println(ok() ? "result OK" : "result FAILED: " + figures.get("problems"));
        out.flush();
    }

    /** Memory, times and small-message latency of the node under test, each panel on its own axis. */
    public BarChart chart() {
        String series = String.valueOf(figures.get("mode"));
        List<BarChart.Group> memory = new ArrayList<>();
        for (String[] f : new String[][] {{"heap after GC", "heap_after_gc_bytes"}, {"direct", "direct_bytes"},
                {"RSS", "rss_bytes"}, {"kernel sockets (both ends)", "kernel_socket_bytes"}}) {
            if (figures.get(f[1]) instanceof Number n) {
                memory.add(new BarChart.Group(f[0], List.of(new BarChart.Bar(series, n.doubleValue() / (1 << 20)))));
            }
        }
        List<BarChart.Group> times = new ArrayList<>();
        for (String[] f : new String[][] {{"form", "form_seconds", "30"}, {"catch-up", "catchup_seconds", null},
                {"heal", "heal_seconds", "10"}}) {
            if (figures.get(f[1]) instanceof Number n) {
                times.add(new BarChart.Group(f[0], List.of(new BarChart.Bar(series, n.doubleValue())),
                        f[2] == null ? null : Double.valueOf(f[2]), null));
            }
        }
        List<BarChart.Group> latency = new ArrayList<>();
        if (figures.get("small_msg") instanceof Map<?, ?> phases) {
            phases.forEach((phase, v) -> {
                if (v instanceof Map<?, ?> m && m.get("p99_ms") instanceof Number p99 && m.get("p50_ms") instanceof Number p50) {
                    latency.add(new BarChart.Group(String.valueOf(phase), List.of(
                            new BarChart.Bar(series + " p50", p50.doubleValue()),
                            new BarChart.Bar(series + " p99", p99.doubleValue())),
                            "catchup".equals(phase) ? 50.0 : null, null));
                }
            });
        }
        List<BarChart.Panel> panels = new ArrayList<>();
        if (!memory.isEmpty()) {
            panels.add(new BarChart.Panel("MiB, node under test idle", false, memory));
        }
        if (!times.isEmpty()) {
            panels.add(new BarChart.Panel("seconds", false, times));
        }
        if (!latency.isEmpty()) {
            panels.add(new BarChart.Panel("small-message round trip, ms", false, latency));
        }
        return new BarChart("chainmux bench scale: " + figures.get("chains") + " chains x degree " + figures.get("degree")
                + ", " + figures.get("peers") + " peers, " + series,
                figures.get("logical_connections") + " streams over " + figures.get("tcp_connections")
                        + " TCP connections; idle CPU " + figures.get("idle_cpu_percent") + " %, "
                        + figures.get("heap_per_logical_bytes") + " B heap per stream", panels);
    }

    private static void row(PrintWriter out, String name, Object value) {
        out.printf(Locale.ROOT, "%-36s %s%n", name, value);
    }

    private static String mib(Object v) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%.1f MiB", n.doubleValue() / (1 << 20)) : "n/a";
    }

    private static String bytes(Object v) {
        return v instanceof Number n ? n.longValue() + " B" : "n/a";
    }

    private static String seconds(Object v) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%.1f s", n.doubleValue()) : "not reached";
    }
}
