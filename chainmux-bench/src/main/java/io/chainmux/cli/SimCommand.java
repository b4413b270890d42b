package io.chainmux.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chainmux.bench.sim.SimGrid;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code chainmux bench sim}: peer selection at internet scale, simulated in one process without
 * sockets, every pick made by the node's own request logic.
 */
@Command(name = "sim", sortOptions = false,
        description = {
                "Simulates N nodes x C chains x degree D in one process (no sockets): every chain of every node picks "
                        + "its peers with the node's own code, under each rule; reports distinct TCP peers per node "
                        + "and streams per TCP connection (mean, p50, p90, max).",
                "Rules: independent (no preference), sharing (the node's default: prefer connected peers on 95 % of "
                        + "picks), capN (sharing, exploring only while connected to fewer than N peers), sharing-pX.",
                "Scenarios: static (every node knows every node), churn (and nodes leave and join), exchange "
                        + "(nodes know what peer exchange taught them, and churn).",
                "The full grid (default) costs 2-3 CPU hours, most of it 10000 nodes x 1000 chains; --quick stops at "
                        + "1000 nodes (about 10 CPU minutes). Progress on stderr every second; with --json the results "
                        + "so far are saved after every cell."})
public final class SimCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", split = ",", paramLabel = "N[,N...]", defaultValue = "100,1000,10000",
            description = "Node counts (default: ${DEFAULT-VALUE}).")
    List<Integer> nodes;

    @Option(names = "--chains", split = ",", paramLabel = "C[,C...]", defaultValue = "10,100,1000",
            description = "Chain counts (default: ${DEFAULT-VALUE}).")
    List<Integer> chains;

    @Option(names = "--degree", paramLabel = "D", defaultValue = "8",
            description = "Outgoing sessions per chain and node (default: ${DEFAULT-VALUE}).")
    int degree;

    @Option(names = "--rules", split = ",", paramLabel = "RULE[,RULE...]", defaultValue = "independent,sharing,cap16",
            description = "Peer-choice rules (default: ${DEFAULT-VALUE}).")
    List<String> rules;

    @Option(names = "--scenarios", split = ",", paramLabel = "S[,S...]", defaultValue = "static,exchange",
            description = "static, churn, exchange (default: ${DEFAULT-VALUE}).")
    List<String> scenarios;

    @Option(names = "--rounds", paramLabel = "R", defaultValue = "1",
            description = "Session lifetimes simulated after forming (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--churn", paramLabel = "SHARE", defaultValue = "0.02",
            description = "Share of nodes leaving (and as many joining) per session lifetime, in the churn and "
                    + "exchange scenarios (default: ${DEFAULT-VALUE}).")
    double churn;

    @Option(names = "--exchange-rounds", paramLabel = "K", defaultValue = "1",
            description = "Peer exchanges a node has made when it forms its sessions, exchange scenario "
                    + "(default: ${DEFAULT-VALUE}: a node starts its chains about when its first exchange is done; "
                    + "it exchanges every 30 s).")
    int exchangeRounds;

    @Option(names = "--rotation-budget", paramLabel = "SESSIONS", defaultValue = "2000000",
            description = "Most sessions rotated per round; beyond it a random sample rotates, and the output says "
                    + "so (default: ${DEFAULT-VALUE}).")
    long rotationBudget;

    @Option(names = "--max-visits", paramLabel = "N", defaultValue = "2e10",
            description = "Skip cells estimated to examine more peers than this (default: ${DEFAULT-VALUE}).")
    double maxVisits;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--quick", description = "Only up to 1000 nodes (about 10 CPU minutes).")
    boolean quick;

    @Option(names = "--merge", split = ",", paramLabel = "FILE[,FILE...]",
            description = "Run nothing: merge the cells of earlier runs' --json files (cells run apart equal the cells "
                    + "of one run: each depends only on its parameters and seed), then table, --json and chart.")
    List<Path> merge;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Also write the results to FILE as JSON (rewritten after every cell).")
    Path json;

    @Option(names = "--chart", paramLabel = "FILE", description = ChartOption.DESCRIPTION)
    Path chart;

    @Override
    public Integer call() throws Exception {
        Path chartFile = ChartOption.resolve(spec.commandLine(), chart, json);
        PrintWriter err = spec.commandLine().getErr();
        SimGrid grid = merge != null ? merged() : run(err);
        PrintWriter out = spec.commandLine().getOut();
        out.println();
        grid.printTable(out);
        if (json != null) {
            writeJson(grid);
            err.println("wrote " + json.toAbsolutePath());
        }
        if (chartFile != null && grid.hasResults()) {
            ChartOption.write(grid.chart(), chartFile, err);
        } else if (chartFile != null) {
            err.println("no chart: every cell was skipped");
        }
        return 0;
    }

    private SimGrid merged() throws java.io.IOException {
        List<Map<String, Object>> runs = new ArrayList<>();
        ObjectMapper mapper = new ObjectMapper();
        for (Path f : merge) {
            runs.add(mapper.readValue(f.toFile(), new TypeReference<Map<String, Object>>() {}));
        }
        try {
            return SimGrid.merge(runs);
        } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
            throw new ParameterException(spec.commandLine(), "--merge: not the JSON of bench sim: " + e.getMessage());
        }
    }

    private SimGrid run(PrintWriter err) {
        SimGrid.Config config;
        try {
            List<Integer> n = quick ? nodes.stream().filter(x -> x <= 1000).toList() : nodes;
            config = new SimGrid.Config(n, chains, degree, rules,
                    scenarios.stream().map(SimGrid.Scenario::parse).toList(), rounds, churn, exchangeRounds,
                    rotationBudget, (long) maxVisits, seed);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        // With --json the results so far are saved after every cell, so a long grid cut short keeps them.
        return SimGrid.run(config, err, partial -> {
            if (json != null) {
                try {
                    writeJson(partial);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
    }

    private void writeJson(SimGrid grid) throws java.io.IOException {
        Files.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(grid.toJson()));
    }
}
