package io.chainmux.node.demo;

import io.chainmux.endpoint.PeerAddress;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * The coordinator of one demo run. Timeline:
 * <ol>
 *   <li>start every node but the last, in parallel (each produces its chains first), all bootstrapping
 *       from node 0; wait until they hold their degree among themselves (bounded);</li>
 *   <li>warm-up: small messages only, their latency is the baseline;</li>
 *   <li>start the late node, empty: it catches up every chain while the small messages go on, until it
 *       holds every block or {@code --seconds} have passed;</li>
 *   <li>tail, then the connection figures; small-message sessions drain and end; every node verifies
 *       every chain; every node stops.</li>
 * </ol>
 * A progress tick (every node's report) runs every second throughout, waits included.
 */
public final class DemoRun {
    static final Duration TICK = Duration.ofSeconds(1);
    /** Early nodes should reach their degree among themselves within this; a run goes on regardless. */
    static final Duration MESH_TIMEOUT = Duration.ofSeconds(60);
    /** Degree samples taken at the end; a node counts as at its degree if one of them shows it. */
    static final int DEGREE_SAMPLES = 5;

    private final DemoSettings settings;
    private final NodeLauncher launcher;
    private final PrintWriter log;
    private final boolean inPlace;

    /**
     * @param launcher starts the nodes; closed by {@link #run()}
     * @param log      progress and notes (stderr)
     * @param inPlace  rewrite the progress line in place (stderr is a terminal)
     */
    public DemoRun(DemoSettings settings, NodeLauncher launcher, PrintWriter log, boolean inPlace) {
        this.settings = settings;
        this.launcher = launcher;
        this.log = log;
        this.inPlace = inPlace;
    }

    /** A run with nodes in this JVM, or in processes of their own when the settings say so. */
    public static DemoRun of(DemoSettings settings, List<String> nodeJvmOptions, PrintWriter log, boolean inPlace) {
        NodeLauncher l = settings.processes() ? new ProcessLauncher(settings, nodeJvmOptions, log)
                : NodeLauncher.inJvm(settings);
        return new DemoRun(settings, l, log, inPlace);
    }

    /**
     * Runs the demo and summarises it.
     *
     * @throws DemoException if a node could not start, answer or verify
     */
    public DemoSummary run() {
        long start = System.nanoTime();
        Progress progress = new Progress(settings, log, inPlace, start);
        List<NodeHandle> nodes = new ArrayList<>();
        ExecutorService starter = Executors.newFixedThreadPool(Math.min(8, settings.nodes()), r -> {
            Thread t = new Thread(r, "demo-start");
            t.setDaemon(true);
            return t;
        });
        try {
            int n = settings.nodes();
            progress.note("starting %d nodes on 127.0.0.1%s: %d chains of %d blocks x %d B each, degree %d, %d stripes; "
                            + "node %d starts %.0f s later, empty, and catches up", n - 1,
                    settings.processes() ? " (one process each)" : "", settings.chains(), settings.blocks(),
                    settings.blockSize(), settings.degree(), settings.stripes(), settings.lateNode(),
                    settings.warmupSeconds());
            NodeHandle first = launcher.launch(0, List.of());
            nodes.add(first);
            List<PeerAddress> bootstrap = List.of(first.address());
            List<Future<NodeHandle>> starting = new ArrayList<>();
            for (int i = 1; i < settings.lateNode(); i++) {
                int index = i;
                starting.add(starter.submit(() -> launcher.launch(index, bootstrap)));
            }
            for (Future<NodeHandle> f : starting) {
                nodes.add(awaitStarting(f, progress));
            }
            int meshDegree = Math.min(settings.degree(), n - 2);
            progress.note("%d nodes up; waiting until each holds degree %d among them", nodes.size(), meshDegree);
            long meshDeadline = System.nanoTime() + MESH_TIMEOUT.toNanos();
            boolean meshed = tickUntil(progress, "mesh", nodes, meshDeadline,
                    rs -> rs.stream().allMatch(r -> r.minChainDegree() >= meshDegree && r.gossipActive() >= meshDegree));
            if (!meshed) {
                progress.note("not every node reached degree %d within %d s; going on", meshDegree,
                        MESH_TIMEOUT.toSeconds());
            }
            for (NodeHandle h : nodes) {
                h.phase(GossipStats.Phase.BASELINE);
            }
            if (settings.warmupSeconds() > 0) {
                progress.note("warm-up: small messages only for %.0f s (their baseline latency)", settings.warmupSeconds());
                tickUntil(progress, "warm-up", nodes, System.nanoTime() + seconds(settings.warmupSeconds()), rs -> false);
            }

            progress.note("node %d starts, empty: catching up %d chains x %d blocks while small messages go on",
                    settings.lateNode(), settings.chains(), settings.blocks());
            for (NodeHandle h : nodes) {
                h.phase(GossipStats.Phase.CATCHUP);
            }
            long lateStart = System.nanoTime();
            // Like a restarted node with its peer database: it knows every other node from the start.
            List<PeerAddress> known = nodes.stream().map(NodeHandle::address).toList();
            NodeHandle late = awaitTicking(starter.submit(() -> launcher.launch(settings.lateNode(), known)),
                    progress, "catch-up", nodes);
            late.phase(GossipStats.Phase.CATCHUP);
            nodes.add(late);
            long deadline = lateStart + settings.catchup().toNanos();
            boolean caughtUp = tickUntil(progress, "catch-up", nodes, deadline,
                    rs -> rs.get(rs.size() - 1).chainsAtTarget() == settings.chains());
            double catchupWall = (System.nanoTime() - lateStart) / 1e9;
            for (NodeHandle h : nodes) {
                h.phase(GossipStats.Phase.AFTER);
            }
            if (caughtUp) {
                progress.note("node %d holds every block of every chain", settings.lateNode());
            } else {
                progress.note("node %d did NOT catch up within --seconds %s", settings.lateNode(),
                        settings.catchupSeconds());
            }
            if (settings.tailSeconds() > 0) {
                tickUntil(progress, "tail", nodes, System.nanoTime() + seconds(settings.tailSeconds()), rs -> false);
            }

            List<NodeReport> connections = degreeSnapshot(nodes);
            progress.note("stopping small messages (each session waits for its last echoes)");
            for (NodeHandle h : nodes) {
                h.stopGossip();
            }
            long drainDeadline = System.nanoTime() + GossipSession.DRAIN_TIMEOUT.toNanos() + seconds(5);
            if (!tickUntil(progress, "drain", nodes, drainDeadline, rs -> rs.stream().allMatch(r -> r.gossipRunning() == 0))) {
                progress.note("some small-message sessions did not end; their missing echoes count as lost");
            }
            progress.note("verifying every chain on every node");
            List<NodeReport> finals = finalReports(nodes, starter, progress);
            double elapsed = (System.nanoTime() - start) / 1e9;
            return DemoSummary.of(settings, connections, finals, progress.timeline(), caughtUp, catchupWall, elapsed);
        } finally {
            progress.endLine();
            closeAll(nodes);
            starter.shutdownNow();
            launcher.close();
        }
    }

    /** Waits for an early node to start, showing how far the nodes are with producing their chains. */
    private NodeHandle awaitStarting(Future<NodeHandle> f, Progress progress) {
        long total = (long) settings.chains() * (settings.nodes() - 1);
        return await(f, "start", () -> progress.note("starting: %d of %d chains produced (%.0f%%)",
                launcher.chainsProduced(), total, 100.0 * launcher.chainsProduced() / total));
    }

    /** Waits for a node to start, ticking meanwhile. */
    private NodeHandle awaitTicking(Future<NodeHandle> f, Progress progress, String phase, List<NodeHandle> up) {
        return await(f, "start", () -> progress.tick(phase, reports(up)));
    }

    /** Waits for {@code f}, running {@code tick} every second meanwhile. */
    private static <T> T await(Future<T> f, String what, Runnable tick) {
        while (true) {
            try {
                return f.get(TICK.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                tick.run();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                throw c instanceof RuntimeException r ? r : new DemoException("a node failed to " + what + ": " + c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DemoException("interrupted");
            }
        }
    }

    /** Ticks until {@code done} holds for the nodes' reports (true) or the deadline passes (false). */
    private boolean tickUntil(Progress progress, String phase, List<NodeHandle> nodes, long deadline,
                              Predicate<List<NodeReport>> done) {
        long next = System.nanoTime();
        while (true) {
            List<NodeReport> rs = reports(nodes);
            progress.tick(phase, rs);
            if (done.test(rs)) {
                return true;
            }
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                return false;
            }
            next += TICK.toNanos();
            long wait = Math.min(next, deadline) - now;
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing the display, not synchronising
            }
            if (Thread.interrupted()) {
                throw new DemoException("interrupted");
            }
        }
    }

    private static List<NodeReport> reports(List<NodeHandle> nodes) {
        List<NodeReport> rs = new ArrayList<>(nodes.size());
        for (NodeHandle h : nodes) {
            rs.add(h.report());
        }
        return rs;
    }

    /**
     * Connection figures for the summary. A node may be between two sessions of a network at any
     * instant (a session ended, the next one opening), so of a few samples 200 ms apart each node's best
     * degree counts.
     */
    private static List<NodeReport> degreeSnapshot(List<NodeHandle> nodes) {
        List<NodeReport> best = reports(nodes);
        for (int i = 1; i < DEGREE_SAMPLES; i++) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            List<NodeReport> now = reports(nodes);
            for (int k = 0; k < best.size(); k++) {
                NodeReport b = best.get(k);
                NodeReport r = now.get(k);
                if (Math.min(r.minChainDegree(), r.gossipActive()) > Math.min(b.minChainDegree(), b.gossipActive())) {
                    best.set(k, r);
                }
            }
        }
        return best;
    }

    /** Every node verifies its chains, all at the same time; a note every second says how many are done. */
    private List<NodeReport> finalReports(List<NodeHandle> nodes, ExecutorService pool, Progress progress) {
        List<Future<NodeReport>> fs = new ArrayList<>();
        for (NodeHandle h : nodes) {
            fs.add(pool.submit(h::finalReport));
        }
        List<NodeReport> out = new ArrayList<>();
        for (Future<NodeReport> f : fs) {
            out.add(await(f, "verify its chains", () -> {
                long done = nodes.stream().mapToLong(NodeHandle::chainsVerified).sum();
                long all = (long) nodes.size() * settings.chains();
                progress.note("verifying: %d of %d chains (%.0f%%)", done, all, 100.0 * done / all);
            }));
        }
        return out;
    }

    /** Stops every node at once (each close is bounded). */
    private static void closeAll(List<NodeHandle> nodes) {
        List<Thread> closing = new ArrayList<>();
        for (NodeHandle h : nodes) {
            Thread t = new Thread(h::close, "demo-close-" + h.index());
            t.setDaemon(true);
            t.start();
            closing.add(t);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Thread t : closing) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static long seconds(double s) {
        return Math.round(s * 1e9);
    }
}
