package io.chainmux.bench.scale;

import io.chainmux.endpoint.PeerAddress;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One scale run: starts the peers (in this JVM) and the node under test (its own JVM), then the
 * phases, each measured on the node under test from outside (/proc) and inside (its status):
 * <ol>
 *   <li>form: from its first peers until every chain holds its degree;</li>
 *   <li>idle: sessions open, no application traffic: CPU, keepalive bytes, memory after GC, compared
 *       with the same process before it had any session (heap per stream);</li>
 *   <li>steady: every chain gets a small block every few seconds, the small-message network sends;</li>
 *   <li>catch-up: the node restarts empty with its key and peer database while every chain grew, and
 *       fetches them all while the small-message network keeps sending;</li>
 *   <li>heal: every TCP connection of the node cut at once; time and handshakes until it holds its
 *       degree again.</li>
 * </ol>
 * Progress goes to {@code progress} every second. Session failures before the cut are unexplained (the
 * run injected nothing); those after it are the partition's.
 */
public final class ScaleRun {
    private static final long TICK_MILLIS = 1000;
    private static final long IDLE_POLL_MILLIS = 5000;
    /** A system property: the directory for the node under test's class histograms (none without it). */
    static final String HISTOGRAMS = "scale.histograms";

    private final ScaleSettings s;
    private final PrintWriter progress;
    private final Map<String, Object> out = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final long startNanos = System.nanoTime();
    private String phase = "start";

    private ScaleRun(ScaleSettings s, PrintWriter progress) {
        this.s = s;
        this.progress = progress;
    }

    /** Runs every phase; the result holds every figure, and the problems that make it not OK. */
    public static ScaleResult run(ScaleSettings settings, PrintWriter progress) {
        return new ScaleRun(settings, progress).run();
    }

    private ScaleResult run() {
        checkFileLimit();
        out.put("mode", s.mode().label());
        out.put("chains", s.chains());
        out.put("degree", s.degree());
        out.put("peers", s.peers());
        out.put("stripes", s.mode() == ScaleMode.SHARED ? s.stripes() : null);
        out.put("node_jvm_options", String.join(" ", s.nodeJvmOptions()));
        out.put("load_average_at_start", loadAverage());
        Path dir;
        try {
            dir = Files.createTempDirectory("chainmux-scale-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the node under test: " + e.getMessage(), e);
        }
        say("starting %d peers with %d chains each (in this JVM)", s.peers(), s.chains());
        try (PeerFarm peers = new PeerFarm(s)) {
            List<String> args = new ArrayList<>(s.nodeArgs());
            args.add("--dir=" + dir);
            say("starting the node under test (%s)", String.join(" ", s.nodeJvmOptions()));
            Map<String, Object> first;
            Map<String, Object> beforeCut;
            Map<String, Map<String, Double>> latency = new LinkedHashMap<>();
            Map<String, Object> last;
            try (NodeProcess node = new NodeProcess(s.nodeJvmOptions(), args, progress)) {
                long pid = node.pid();
                Map<String, Object> base = baseline(node, pid);
                out.put("baseline_heap_after_gc_bytes", base.get("heap_after_gc"));
                out.put("baseline_rss_bytes", ProcStats.rssBytes(pid));
                long[] kernelBase = {ProcStats.tcpKernelBytes(), ProcStats.socketKernelBytes()};
                form(node, peers.addresses());
                idle(node, pid, base, kernelBase);
                steady(node, pid, peers);
                node.call("sending off");
                settle(node);
                first = status(node);
                latency.putAll(latencies(node)); // form and steady: this life of the node ends here
            }
            try (NodeProcess node = catchUp(peers, args)) {
                heal(node);
                beforeCut = stashedBeforeCut;
                node.call("sending off");
                settle(node);
                last = status(node);
                latency.putAll(latencies(node)); // catch-up and heal
                // where the catch-up's tail waits: when each echo was sent (seconds since the restarted
                // node's JVM started, the time base of its -Xlog:gc) and its way out and back
                out.put("small_msg_catchup_samples", node.call("samples catchup").get("samples"));
                out.put("small_msg", latency);
                Map<String, Double> p99 = new LinkedHashMap<>();
                latency.forEach((ph, m) -> p99.put(ph, m.get("p99_ms")));
                out.put("small_msg_p99_ms", p99);
            }
            sessions(first, beforeCut, last);
        } finally {
            deleteQuietly(dir);
        }
        out.put("seconds_total", round((System.nanoTime() - startNanos) / 1e9));
        out.put("load_average_at_end", loadAverage());
        checkTargets();
        out.put("problems", List.copyOf(problems));
        out.put("ok", problems.isEmpty());
        return new ScaleResult(out);
    }

    // ------------------------------------------------------------------ phases

    private void form(NodeProcess node, List<PeerAddress> peers) {
        phase = "form";
        node.call("phase form");
        node.call("sending on");
        long t0 = System.nanoTime();
        node.call("connect " + peers.stream().map(PeerAddress::toString).collect(Collectors.joining(",")));
        Double seconds = awaitStatus(node, s.formSeconds(), this::atDegree, t0);
        out.put("form_seconds", seconds);
        if (seconds == null) {
            problems.add("not every chain at degree " + s.degree() + " within " + s.formSeconds() + " s of start");
        }
    }

    private void idle(NodeProcess node, long pid, Map<String, Object> base, long[] kernelBase) {
        phase = "idle";
        node.call("sending off");
        settle(node);
        Map<String, Object> a = status(node);
        double cpu0 = ProcStats.cpuSeconds(pid);
        long io0 = ProcStats.socketBytes(pid);
        long t0 = System.nanoTime();
        // The idle figure is the second half of the phase: in the first, the JIT is still compiling
        // what forming ran (a one-time cost, reported apart as the whole phase's figure). The node is
        // asked for its status every few seconds only, so the measurement costs it little.
        sleepWithProgress(node, s.idleSeconds() / 2, IDLE_POLL_MILLIS);
        double cpuMid = ProcStats.cpuSeconds(pid);
        long tMid = System.nanoTime();
        sleepWithProgress(node, s.idleSeconds() / 2, IDLE_POLL_MILLIS);
        long t1 = System.nanoTime();
        double wall = (t1 - t0) / 1e9;
        double cpu1 = ProcStats.cpuSeconds(pid);
        long io1 = ProcStats.socketBytes(pid);
        Map<String, Object> b = status(node);
        out.put("idle_cpu_percent", round(100 * (cpu1 - cpuMid) / ((t1 - tMid) / 1e9)));
        out.put("idle_cpu_percent_whole_phase", round(100 * (cpu1 - cpu0) / wall));
        // TCP payload bytes in idle, both directions, from the kernel's per-socket counters: keepalive
        // PINGs and their answers, plus whatever the sessions send at rest (peer exchange).
        out.put("keepalive_bytes_per_s", io0 < 0 || io1 < 0 ? null : round(Math.max(0, io1 - io0) / wall));
        long payload = num(b, "wire_in") + num(b, "wire_out") - num(a, "wire_in") - num(a, "wire_out");
        out.put("idle_payload_bytes_per_s", round(payload / wall));
        long failedInIdle = num(b, "sessions_failed") - num(a, "sessions_failed");
        out.put("idle_sessions_failed", failedInIdle);
        Map<String, Object> mem = node.call("measure", "memory");
        histogram(pid, "idle");
        long streams = num(b, "streams");
        long heap = num(mem, "heap_after_gc");
        out.put("logical_connections", streams);
        out.put("tcp_connections", num(b, "tcp"));
        out.put("fds", ProcStats.fds(pid));
        out.put("threads", num(mem, "threads"));
        out.put("heap_after_gc_bytes", heap);
        out.put("heap_per_logical_bytes", streams == 0 ? null : (heap - num(base, "heap_after_gc")) / streams);
        out.put("direct_bytes", num(mem, "direct"));
        out.put("rss_bytes", ProcStats.rssBytes(pid));
        // Machine-wide, grown since the node started without sessions: both ends of each loopback connection.
        long kernel = ProcStats.tcpKernelBytes();
        out.put("kernel_tcp_bytes", kernel < 0 || kernelBase[0] < 0 ? null : Math.max(0, kernel - kernelBase[0]));
        long sockets = ProcStats.socketKernelBytes();
        out.put("kernel_socket_bytes", sockets < 0 || kernelBase[1] < 0 ? null : Math.max(0, sockets - kernelBase[1]));
        out.put("idle_all_at_degree", atDegree(b));
    }

    /**
     * The node's heap before any session, for heap per stream. Taken after the bench has asked the
     * node everything it asks in idle (a status and a measure): what the bench's own calls load into
     * it once (their classes, Jackson's serializers of the answers, the management beans a measure
     * reads) is then in both figures and not counted per stream. What the sessions make once (the
     * first handshake's TLS classes, the caches the event loops fill, the sessions' code) stays in the
     * difference: a node pays it for its connections.
     */
    private Map<String, Object> baseline(NodeProcess node, long pid) {
        status(node);
        node.call("measure", "memory");
        Map<String, Object> base = node.call("measure", "memory");
        histogram(pid, "baseline");
        return base;
    }

    /**
     * With {@code -D}{@value #HISTOGRAMS}{@code =DIR}, writes the node's class histogram
     * ({@code jcmd PID GC.class_histogram}) and heap dump ({@code GC.heap_dump}), taken after the
     * figure they belong to, to {@code DIR/NAME.txt} and {@code DIR/NAME.hprof}: the idle histogram
     * less the baseline's says which classes hold the heap per stream, the dump who holds them.
     */
    private void histogram(long pid, String name) {
        String dir = System.getProperty(HISTOGRAMS);
        if (dir == null) {
            return;
        }
        Path file = Path.of(dir, name + ".txt");
        Path dump = Path.of(dir, name + ".hprof").toAbsolutePath();
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(dump);
            jcmd(file, Long.toString(pid), "GC.class_histogram");
            jcmd(Path.of(dir, name + ".dump.txt"), Long.toString(pid), "GC.heap_dump", dump.toString());
            say("class histogram and heap dump of the node under test in %s, %s", file, dump);
        } catch (IOException e) {
            say("no class histogram (%s)", e.getMessage());
        }
    }

    private static void jcmd(Path output, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("jcmd"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("jcmd " + args[1] + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScaleException("interrupted");
        }
    }

    private void steady(NodeProcess node, long pid, PeerFarm peers) {
        phase = "steady";
        node.call("phase steady");
        node.call("sending on");
        Map<String, Object> a = status(node);
        double cpu0 = ProcStats.cpuSeconds(pid);
        long t0 = System.nanoTime();
        // Each chain gets a block every blockInterval seconds, spread evenly over the chains.
        double blocksPerTick = s.chains() / s.blockInterval() / 10;
        double owed = 0;
        int next = 0;
        long blocks = 0;
        long lastProgress = t0;
        long end = t0 + (long) (s.steadySeconds() * 1e9);
        for (long now = t0; now < end; now = System.nanoTime()) {
            owed += blocksPerTick;
            for (; owed >= 1; owed--) {
                peers.produce(next, 1);
                next = (next + 1) % s.chains();
                blocks++;
            }
            if (now - lastProgress >= TICK_MILLIS * 1_000_000) {
                lastProgress = now;
                report(status(node), now);
            }
            sleepMillis(100);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu1 = ProcStats.cpuSeconds(pid);
        Map<String, Object> b = status(node);
        long expected = peers.heightSum();
        Double synced = awaitStatus(node, 30, st -> num(st, "height_sum") >= expected, System.nanoTime());
        long pings = num(b, "ping_echoed") - num(a, "ping_echoed");
        out.put("steady_blocks", blocks);
        out.put("steady_cpu_percent", round(100 * (cpu1 - cpu0) / wall));
        out.put("cpu_per_message_us", blocks + pings == 0 ? null : round(1e6 * (cpu1 - cpu0) / (blocks + 2 * pings)));
        out.put("steady_in_sync", synced != null);
        if (synced == null) {
            problems.add("the node under test did not hold every block produced in the steady phase 30 s after it");
        }
    }

    private NodeProcess catchUp(PeerFarm peers, List<String> args) {
        phase = "catch-up";
        say("node under test stopped; adding %d blocks to each of %d chains", s.catchupBlocks(), s.chains());
        for (int c = 0; c < s.chains(); c++) {
            peers.produce(c, s.catchupBlocks());
        }
        long expected = peers.heightSum();
        List<String> restart = new ArrayList<>(args);
        restart.add("--sending");
        restart.add("--phase=catchup");
        say("restarting the node under test empty, with its key and peer database");
        NodeProcess node = new NodeProcess(s.nodeJvmOptions(), restart, progress);
        try {
            long t0 = System.nanoTime();
            // The catch-up's course on the node's own clock (seconds since its JVM started, as the small
            // messages' samples): blocks held, bytes fetched, streams and sessions open.
            List<List<Object>> course = new ArrayList<>();
            Double seconds = awaitStatus(node, s.catchupSeconds(), st -> {
                course.add(List.of(st.get("uptime_s"), num(st, "height_sum"), num(st, "bytes_synced"), num(st, "streams"),
                        num(st, "sessions_active")));
                return num(st, "height_sum") >= expected;
            }, t0);
            out.put("catchup_course", course);
            Map<String, Object> st = status(node);
            out.put("catchup_seconds", seconds);
            out.put("catchup_bytes", num(st, "bytes_synced"));
            out.put("catchup_mb_per_s", seconds == null || seconds == 0 ? null : round(num(st, "bytes_synced") / 1e6 / seconds));
            if (seconds == null) {
                problems.add("catch-up not done within " + s.catchupSeconds() + " s (" + num(st, "height_sum") + " of "
                        + expected + " blocks)");
            }
            Double reform = awaitStatus(node, s.formSeconds(), this::atDegree, t0);
            out.put("catchup_reform_seconds", reform);
            if (reform == null) {
                problems.add("after its restart, not every chain at degree within " + s.formSeconds() + " s");
            }
            return node;
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private Map<String, Object> stashedBeforeCut;

    private void heal(NodeProcess node) {
        phase = "heal";
        node.call("phase heal");
        Map<String, Object> a = status(node);
        stashedBeforeCut = a;
        long t0 = System.nanoTime();
        Object cut = node.call("cut").get("cut");
        say("cut %s TCP connections of the node under test", cut);
        // healed once the cut was seen (degree dropped) and every chain is back at its degree
        boolean[] dropped = {false};
        Double seconds = awaitStatus(node, s.healSeconds(), st -> {
            dropped[0] |= !atDegree(st) || num(st, "handshakes") > num(a, "handshakes");
            return dropped[0] && atDegree(st);
        }, t0, 100);
        Map<String, Object> b = status(node);
        out.put("connections_cut", cut);
        out.put("heal_seconds", seconds);
        out.put("handshakes_to_heal", num(b, "handshakes") - num(a, "handshakes"));
        out.put("all_at_degree", seconds != null && out.get("form_seconds") != null);
        if (seconds == null) {
            problems.add("not every chain back at degree within " + s.healSeconds() + " s of the cut");
        }
    }

    /** Sessions started, ok and failed, over both lives of the node, failures split by cause. */
    private void sessions(Map<String, Object> first, Map<String, Object> beforeCut, Map<String, Object> last) {
        Map<String, Long> unexplained = new TreeMap<>(reasons(first));
        reasons(beforeCut).forEach((k, v) -> unexplained.merge(k, v, Long::sum));
        Map<String, Long> injected = new TreeMap<>();
        reasons(last).forEach((k, v) -> {
            long before = reasons(beforeCut).getOrDefault(k, 0L);
            if (v - before > 0) {
                injected.put(k, v - before);
            }
        });
        Map<String, Long> all = new TreeMap<>(unexplained);
        injected.forEach((k, v) -> all.merge(k, v, Long::sum));
        long ok = num(first, "sessions_ok") + num(last, "sessions_ok");
        long failed = num(first, "sessions_failed") + num(last, "sessions_failed");
        long active = num(last, "sessions_active");
        out.put("sessions_started", ok + failed + num(first, "sessions_active") + active);
        out.put("sessions_ok", ok);
        out.put("sessions_failed", failed);
        out.put("sessions_failed_by_reason", all);
        out.put("sessions_failed_unexplained", unexplained);
        out.put("sessions_failed_injected", injected);
        long openFailuresBeforeCut = num(first, "open_failures") + num(beforeCut, "open_failures");
        out.put("open_failures_unexplained", openFailuresBeforeCut);
        out.put("open_failures_injected", num(last, "open_failures") - num(beforeCut, "open_failures"));
        long lost = num(first, "ping_lost") + num(last, "ping_lost");
        out.put("messages_sent", num(first, "ping_sent") + num(last, "ping_sent"));
        out.put("messages_lost", lost);
        out.put("messages_reported_failed", num(first, "ping_reported") + num(last, "ping_reported"));
        long unexplainedCount = unexplained.values().stream().mapToLong(Long::longValue).sum();
        if (unexplainedCount > 0) {
            problems.add(unexplainedCount + " session(s) failed with nothing injected: " + unexplained);
        }
        if (openFailuresBeforeCut > 0) {
            problems.add(openFailuresBeforeCut + " session open(s) failed with nothing injected");
        }
        if (lost > 0) {
            problems.add(lost + " small message(s) lost");
        }
    }

    /** The health targets, for the shared mode at the seed's size; the unshared mode is measured, not judged. */
    private void checkTargets() {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("form_seconds_max", 30);
        t.put("heal_seconds_max", 10);
        t.put("idle_cpu_percent_max", 2);
        t.put("heap_per_logical_bytes_max", 512);
        t.put("catchup_small_msg_p99_ms_max", 50);
        t.put("rss_bytes_max", 512L << 20);
        out.put("targets", t);
        List<String> missed = new ArrayList<>();
        miss(missed, "form_seconds", 30);
        miss(missed, "heal_seconds", 10);
        miss(missed, "idle_cpu_percent", 2);
        miss(missed, "heap_per_logical_bytes", 512);
        miss(missed, "rss_bytes", 512L << 20);
        Object p99 = out.get("small_msg_p99_ms") instanceof Map<?, ?> m ? m.get("catchup") : null;
        if (p99 instanceof Number n && n.doubleValue() > 50) {
            missed.add("catchup small_msg_p99_ms " + n + " > 50");
        }
        out.put("targets_missed", missed);
    }

    private void miss(List<String> missed, String key, double max) {
        if (out.get(key) instanceof Number n && n.doubleValue() > max) {
            missed.add(key + " " + n + " > " + (max >= 1 << 20 ? (long) max : max));
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Unshared, the node under test holds a socket per stream and this JVM (the peers) the
     * other end: both need that many descriptors, which the default limit of many systems (1024) is not.
     */
    private void checkFileLimit() {
        long need = s.mode() == ScaleMode.UNSHARED ? (long) s.chains() * s.degree() + s.pingDegree() + 1024 : 1024;
        long limit = ProcStats.openFileLimit();
        if (limit >= 0 && limit < need) {
            throw new ScaleException("the " + s.mode().label() + " mode at " + s.chains() + " x " + s.degree()
                    + " needs about " + need + " file descriptors per process, the limit is " + limit
                    + ": raise it (ulimit -n " + need + ") or run fewer chains");
        }
        out.put("open_file_limit", limit);
    }

    private boolean atDegree(Map<String, Object> st) {
        return num(st, "chains_at_degree") == s.chains() && Boolean.TRUE.equals(st.get("ping_at_degree"));
    }

    /** Lets small messages in flight return and ended sessions settle. */
    private void settle(NodeProcess node) {
        sleepMillis(2000);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Double>> latencies(NodeProcess node) {
        return (Map<String, Map<String, Double>>) (Map<?, ?>) node.call("latency", "latency");
    }

    private Map<String, Object> status(NodeProcess node) {
        return node.call("status", "status");
    }

    private Double awaitStatus(NodeProcess node, double timeoutSeconds, Predicate<Map<String, Object>> done, long t0) {
        return awaitStatus(node, timeoutSeconds, done, t0, 250);
    }

    /** Seconds from {@code t0} until {@code done} holds, polled every {@code pollMillis}; null at the timeout. */
    private Double awaitStatus(NodeProcess node, double timeoutSeconds, Predicate<Map<String, Object>> done, long t0,
                               long pollMillis) {
        long deadline = t0 + (long) (timeoutSeconds * 1e9);
        long lastProgress = 0;
        while (true) {
            Map<String, Object> st = status(node);
            long now = System.nanoTime();
            if (done.test(st)) {
                return round((now - t0) / 1e9);
            }
            if (now - deadline >= 0) {
                report(st, now);
                return null;
            }
            if (now - lastProgress >= TICK_MILLIS * 1_000_000) {
                lastProgress = now;
                report(st, now);
            }
            sleepMillis(pollMillis);
        }
    }

    private void sleepWithProgress(NodeProcess node, double seconds) {
        sleepWithProgress(node, seconds, TICK_MILLIS);
    }

    /** Sleeps, printing progress every second and asking the node for its status every {@code pollMillis}. */
    private void sleepWithProgress(NodeProcess node, double seconds, long pollMillis) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        Map<String, Object> st = null;
        long polled = 0;
        for (long now = System.nanoTime(); now < end; now = System.nanoTime()) {
            sleepMillis(Math.min(TICK_MILLIS, Math.max(1, (end - now) / 1_000_000)));
            long t = System.nanoTime();
            if (st == null || t - polled >= pollMillis * 1_000_000) {
                st = status(node);
                polled = t;
            }
            report(st, t);
        }
    }

    private void report(Map<String, Object> st, long now) {
        say("%-8s chains at degree %d/%d, tcp %d, streams %d, height %d, sessions ok %d failed %d, small msgs %d",
                phase, num(st, "chains_at_degree"), s.chains(), num(st, "tcp"), num(st, "streams"),
                num(st, "height_sum"), num(st, "sessions_ok"), num(st, "sessions_failed"), num(st, "ping_echoed"));
    }

    private void say(String format, Object... args) {
        synchronized (progress) {
            progress.printf(Locale.ROOT, "[scale %s %5.0fs] %s%n", s.mode().label(), (System.nanoTime() - startNanos) / 1e9,
                    String.format(Locale.ROOT, format, args));
            progress.flush();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Long> reasons(Map<String, Object> st) {
        Map<String, Long> m = new TreeMap<>();
        Object r = st.get("failed_by_reason");
        if (r instanceof Map<?, ?> map) {
            ((Map<String, Object>) map).forEach((k, v) -> m.put(k, ((Number) v).longValue()));
        }
        return m;
    }

    static long num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof Number n ? n.longValue() : 0;
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void sleepMillis(long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScaleException("interrupted");
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: the OS cleans it eventually
        }
    }
}
