package io.chainmux.bench.sim;

import io.chainmux.bench.chart.BarChart;
import io.chainmux.p2p.NetworkConfig;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the simulation over a grid (nodes x chains x rules x scenarios), with a progress line on stderr
 * every second, and reports it as a table, JSON and a chart.
 */
public final class SimGrid {
    /** What the nodes know and whether they come and go. */
    public enum Scenario {
        /** Every node knows every node; nobody leaves. */
        STATIC(true, false),
        /** Every node knows every node; nodes leave and join. */
        CHURN(true, true),
        /** Nodes know what peer exchange taught them; nodes leave and join. */
        EXCHANGE(false, true);

        final boolean fullView;
        final boolean churn;

        Scenario(boolean fullView, boolean churn) {
            this.fullView = fullView;
            this.churn = churn;
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Scenario parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown scenario '" + s + "'; expected static, churn or exchange", e);
            }
        }
    }

    /**
     * @param maxVisits cells whose estimated cost (peers examined by the pickers) exceeds this are skipped
     *                  and listed as such
     */
    public record Config(List<Integer> nodes, List<Integer> chains, int degree, List<String> rules,
                         List<Scenario> scenarios, int rounds, double churn, int exchangeRounds, long rotationBudget,
                         long maxVisits, long seed) {
        public Config {
            nodes = List.copyOf(nodes);
            chains = List.copyOf(chains);
            rules = List.copyOf(rules);
            scenarios = List.copyOf(scenarios);
            if (nodes.isEmpty() || chains.isEmpty() || rules.isEmpty() || scenarios.isEmpty()) {
                throw new IllegalArgumentException("nodes, chains, rules and scenarios each need at least one value");
            }
            rules.forEach(r -> SimRule.parse(r, degree)); // fail before running
            if (maxVisits < 1) {
                throw new IllegalArgumentException("maxVisits must be >= 1, was " + maxVisits);
            }
            cells(nodes, chains, degree, rules, scenarios, rounds, churn, exchangeRounds, rotationBudget, seed); // fail now
        }

        List<SimParams> cells() {
            return cells(nodes, chains, degree, rules, scenarios, rounds, churn, exchangeRounds, rotationBudget, seed);
        }

        private static List<SimParams> cells(List<Integer> nodes, List<Integer> chains, int degree, List<String> rules,
                                             List<Scenario> scenarios, int rounds, double churn, int exchangeRounds,
                                             long rotationBudget, long seed) {
            List<SimParams> cells = new ArrayList<>();
            int maxInbound = NetworkConfig.defaults().maxInboundSessions();
            for (Scenario s : scenarios) {
                for (int n : nodes) {
                    for (int c : chains) {
                        for (String r : rules) {
                            cells.add(new SimParams(n, c, degree, SimRule.parse(r, degree), s.fullView, exchangeRounds,
                                    rounds, s.churn ? churn : 0, maxInbound, rotationBudget, seed));
                        }
                    }
                }
            }
            return cells;
        }
    }

    private final Config config;
    private final List<SimResult> results;
    private final List<SimParams> skipped;

    private SimGrid(Config config, List<SimResult> results, List<SimParams> skipped) {
        this.config = config;
        this.results = List.copyOf(results);
        this.skipped = List.copyOf(skipped);
    }

    /** Runs every cell in turn; progress to {@code err} every second. */
    public static SimGrid run(Config config, PrintWriter err) {
        return run(config, err, g -> { });
    }

    /** Like {@link #run(Config, PrintWriter)}, handing the results so far to {@code afterEachCell} (to save them). */
    public static SimGrid run(Config config, PrintWriter err, java.util.function.Consumer<SimGrid> afterEachCell) {
        List<SimParams> cells = config.cells();
        List<SimResult> results = new ArrayList<>();
        List<SimParams> skipped = new ArrayList<>();
        SimProgress progress = new SimProgress();
        String[] current = {"starting"};
        long t0 = System.nanoTime();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sim-progress");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(() -> {
            err.printf(Locale.ROOT, "sim %5.0f s  %s: %s%n", (System.nanoTime() - t0) / 1e9, current[0],
                    progress.describe());
            err.flush();
        }, 1, 1, TimeUnit.SECONDS);
        try {
            for (int i = 0; i < cells.size(); i++) {
                SimParams p = cells.get(i);
                String name = String.format(Locale.ROOT, "[%d/%d] %s N=%d C=%d %s", i + 1, cells.size(),
                        scenarioOf(p), p.nodes(), p.chains(), p.rule().name());
                current[0] = name;
                if (estimatedVisits(p) > config.maxVisits()) {
                    skipped.add(p);
                    err.printf(Locale.ROOT, "%s: skipped, estimated %.1e peer visits > --max-visits %.1e%n", name,
                            (double) estimatedVisits(p), (double) config.maxVisits());
                    continue;
                }
                SimResult r = new Simulation(p, progress).run();
                results.add(r);
                err.printf(Locale.ROOT, "%s: %.1f peers/node, %.1f streams per TCP, %.1f s (CPU %.1f s)%s%n", name,
                        r.distinctPeers().mean(), r.overallStreamsPerTcp(), r.seconds(), r.cpuSeconds(),
                        r.sampled() ? String.format(Locale.ROOT, " (%.0f%% of sessions rotated per round: sampled)",
                                100 * r.rotatedShare()) : "");
                err.flush();
                afterEachCell.accept(new SimGrid(config, results, skipped));
            }
        } finally {
            ticker.shutdownNow();
        }
        return new SimGrid(config, results, skipped);
    }

    /**
     * The cells of several runs' {@link #toJson()} output as one grid (each cell depends only on its own
     * parameters and seed, so cells run apart are the cells one run would give). Run parameters (degree,
     * rounds, churn) come from the first; results keep their own.
     */
    @SuppressWarnings("unchecked")
    public static SimGrid merge(List<Map<String, Object>> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("nothing to merge");
        }
        Map<String, Object> first = runs.get(0);
        List<SimResult> results = new ArrayList<>();
        List<String> rules = new ArrayList<>();
        for (Map<String, Object> run : runs) {
            long budget = ((Number) run.get("rotation_budget")).longValue();
            for (Map<String, Object> r : (List<Map<String, Object>>) run.get("results")) {
                SimResult result = SimResult.fromJson(r, budget);
                results.add(result);
                if (!rules.contains(result.params().rule().name())) {
                    rules.add(result.params().rule().name());
                }
            }
        }
        if (results.isEmpty()) {
            throw new IllegalArgumentException("the runs to merge have no results");
        }
        results.sort(java.util.Comparator.comparing((SimResult r) -> scenarioOf(r.params()))
                .reversed() // static, exchange, churn: the full-membership baseline first
                .thenComparingInt(r -> r.params().nodes()).thenComparingInt(r -> r.params().chains())
                .thenComparingInt(r -> rules.indexOf(r.params().rule().name())));
        int degree = ((Number) first.get("degree")).intValue();
        Config config = new Config(results.stream().map(r -> r.params().nodes()).distinct().toList(),
                results.stream().map(r -> r.params().chains()).distinct().toList(), degree, rules,
                results.stream().map(r -> Scenario.parse(scenarioOf(r.params()))).distinct().toList(),
                ((Number) first.get("rounds")).intValue(), ((Number) first.get("churn_per_round")).doubleValue(),
                ((Number) first.get("exchange_rounds")).intValue(), ((Number) first.get("rotation_budget")).longValue(),
                Long.MAX_VALUE, ((Number) first.get("seed")).longValue());
        return new SimGrid(config, results, List.of());
    }

    static String scenarioOf(SimParams p) {
        return p.fullView() ? (p.churn() > 0 ? "churn" : "static") : "exchange";
    }

    /** Peers the pickers examine: each fill walks the known peers once, then once per pick. */
    static long estimatedVisits(SimParams p) {
        long view = p.fullView() ? p.nodes() : Math.min(p.nodes(), ExchangeViews.SEEDS + 40L * (p.exchangeRounds() + 1));
        long sessions = (long) p.nodes() * p.chains() * p.degree();
        long forming = (long) p.nodes() * p.chains() * view * (1 + 2L * p.degree());
        long rotating = (long) p.rounds() * Math.min(sessions, p.rotationBudget()) * view * 3;
        return forming + rotating;
    }

    List<SimResult> results() {
        return results;
    }

    public boolean hasResults() {
        return !results.isEmpty();
    }

    public int skippedCells() {
        return skipped.size();
    }

    public void printTable(PrintWriter out) {
        out.println("scenario  nodes  chains rule         peers/node mean p50 p90 max   streams/TCP node mean p50 p90"
                + "   overall  unfilled    busy  chain-cc  view    cpu");
        for (SimResult r : results) {
            SimParams p = r.params();
            out.printf(Locale.ROOT, "%-8s %6d %7d %-12s %8.1f %5.0f %5.0f %5.0f   %10.1f %5.1f %5.1f   %7.1f %9d %7d %9.3f %5.0f %5.0fs%s%n",
                    scenarioOf(p), p.nodes(), p.chains(), p.rule().name(), r.distinctPeers().mean(),
                    r.distinctPeers().p50(), r.distinctPeers().p90(), r.distinctPeers().max(), r.streamsPerTcp().mean(),
                    r.streamsPerTcp().p50(), r.streamsPerTcp().p90(), r.overallStreamsPerTcp(), r.slotsUnfilled(),
                    r.busyRefusals(), r.chainComponent(), r.meanView(), r.cpuSeconds(),
                    r.sampled() ? String.format(Locale.ROOT, "  sampled: %.0f%% of sessions rotated per round",
                            100 * r.rotatedShare()) : "");
        }
        for (SimParams p : skipped) {
            out.printf(Locale.ROOT, "%-8s %6d %7d %-12s skipped: estimated %.1e peer visits (raise --max-visits)%n",
                    scenarioOf(p), p.nodes(), p.chains(), p.rule().name(), (double) estimatedVisits(p));
        }
        out.flush();
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("degree", config.degree());
        m.put("rounds", config.rounds());
        m.put("churn_per_round", config.churn());
        m.put("exchange_rounds", config.exchangeRounds());
        m.put("rotation_budget", config.rotationBudget());
        m.put("seed", config.seed());
        m.put("results", results.stream().map(r -> {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("scenario", scenarioOf(r.params()));
            j.putAll(r.toJson());
            return j;
        }).toList());
        m.put("skipped", skipped.stream().map(p -> Map.of("scenario", scenarioOf(p), "nodes", p.nodes(),
                "chains", p.chains(), "rule", p.rule().name(), "estimated_visits", estimatedVisits(p))).toList());
        return m;
    }

    /** The session lifetimes the results cover: "1", or "0-1" for merged runs that differ. */
    private String lifetimes() {
        int min = results.stream().mapToInt(r -> r.params().rounds()).min().orElse(config.rounds());
        int max = results.stream().mapToInt(r -> r.params().rounds()).max().orElse(config.rounds());
        return min == max ? String.valueOf(min) : min + "-" + max;
    }

    /** Distinct peers per node and streams per TCP connection, by rule, for every cell (churn only without static). */
    public BarChart chart() {
        if (results.isEmpty()) {
            throw new IllegalStateException("no results to chart (every cell skipped)");
        }
        boolean hasStatic = results.stream().anyMatch(r -> scenarioOf(r.params()).equals("static"));
        Map<String, List<BarChart.Bar>> peers = new LinkedHashMap<>();
        Map<String, List<BarChart.Bar>> ratio = new LinkedHashMap<>();
        for (SimResult r : results) {
            SimParams p = r.params();
            if (hasStatic && scenarioOf(p).equals("churn")) {
                continue; // within a few peers of static (see the table); the chart stays readable
            }
            String group = String.format(Locale.ROOT, "%s: %,d nodes x %,d chains", scenarioOf(p), p.nodes(), p.chains());
            Distribution d = r.distinctPeers();
            peers.computeIfAbsent(group, g -> new ArrayList<>()).add(new BarChart.Bar(p.rule().name(),
                    Math.max(d.mean(), 0.1), String.format(Locale.ROOT, "%.1f (p90 %.0f, max %.0f)", d.mean(), d.p90(),
                    d.max())));
            ratio.computeIfAbsent(group, g -> new ArrayList<>()).add(new BarChart.Bar(p.rule().name(),
                    Math.max(r.overallStreamsPerTcp(), 0.1), String.format(Locale.ROOT, "%.1f", r.overallStreamsPerTcp())));
        }
        List<BarChart.Group> peerGroups = new ArrayList<>();
        peers.forEach((g, bars) -> peerGroups.add(new BarChart.Group(g, bars)));
        List<BarChart.Group> ratioGroups = new ArrayList<>();
        ratio.forEach((g, bars) -> ratioGroups.add(new BarChart.Group(g, bars)));
        return new BarChart("chainmux bench sim: TCP connections when every chain picks its own peers (degree "
                + config.degree() + ")",
                "simulated nodes running the node's own peer choice; after forming and " + lifetimes()
                        + " session lifetime(s); churn " + config.churn() + " of nodes per lifetime (not in static)",
                List.of(new BarChart.Panel("distinct TCP peers per node (mean)", true, peerGroups),
                        new BarChart.Panel("streams per TCP connection", true, ratioGroups)));
    }
}
