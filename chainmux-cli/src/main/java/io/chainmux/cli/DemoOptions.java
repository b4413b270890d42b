package io.chainmux.cli;

import io.chainmux.node.demo.DemoSettings;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The demo's size and pace, shared by {@code demo} and the hidden {@code demo-node} (which gets them from
 * the coordinator). Defaults come from {@link DemoSettings#builder()}; values are validated there.
 */
final class DemoOptions {
    private static final DemoSettings D = DemoSettings.builder().build();

    @Option(names = "--nodes", paramLabel = "N", description = "Nodes, the late one included (default: 6).")
    int nodes = D.nodes();

    @Option(names = "--chains", paramLabel = "N", description = "Chains: one sync network each (default: 100).")
    int chains = D.chains();

    @Option(names = "--degree", paramLabel = "N", description = "Outgoing sessions per chain per node, each to a "
            + "different peer (default: 4, or --nodes - 1 if fewer nodes).")
    Integer degree;

    @Option(names = "--stripes", paramLabel = "K", description = "TCP connections per pair of nodes (default: 2).")
    int stripes = D.stripes();

    @Option(names = "--blocks", paramLabel = "N",
            description = "Blocks per chain on every node but the late one (default: ${DEFAULT-VALUE}).")
    int blocks = D.blocks();

    @Option(names = "--block-size", paramLabel = "BYTES", description = "Payload bytes per block (default: ${DEFAULT-VALUE}).")
    int blockSize = D.blockSize();

    @Option(names = "--seconds", paramLabel = "SECONDS",
            description = "The late node must catch up within this, or the run fails (default: ${DEFAULT-VALUE}).")
    double seconds = D.catchupSeconds();

    @Option(names = "--warmup", paramLabel = "SECONDS",
            description = "Small messages only before the late node starts: their baseline (default: ${DEFAULT-VALUE}).")
    double warmup = D.warmupSeconds();

    @Option(names = "--tail", paramLabel = "SECONDS",
            description = "The network keeps running this long after the catch-up (default: ${DEFAULT-VALUE}).")
    double tail = D.tailSeconds();

    @Option(names = "--msg-size", paramLabel = "BYTES", description = "Bytes per small message (default: ${DEFAULT-VALUE}).")
    int msgSize = D.msgSize();

    @Option(names = "--msg-rate", paramLabel = "N",
            description = "Small messages per second per small-message session (default: ${DEFAULT-VALUE}).")
    double msgRate = D.msgRate();

    /** @throws ParameterException (exit code 2) naming the bad option */
    DemoSettings settings(CommandSpec spec, boolean processes) {
        try {
            // a smaller network than the default one gets the degree it can hold unless told otherwise
            int d = degree != null ? degree : Math.max(1, Math.min(D.degree(), nodes - 1));
            return DemoSettings.builder().nodes(nodes).chains(chains).degree(d).stripes(stripes).blocks(blocks)
                    .blockSize(blockSize).catchupSeconds(seconds).warmupSeconds(warmup).tailSeconds(tail)
                    .msgSize(msgSize).msgRate(msgRate).processes(processes).build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
