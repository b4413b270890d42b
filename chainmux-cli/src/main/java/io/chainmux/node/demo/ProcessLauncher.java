package io.chainmux.node.demo;

import io.chainmux.endpoint.PeerAddress;
import io.chainmux.node.ChildProcess;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Collectors;

/**
 * Starts every node as its own JVM: the same java ({@code java.home}) and class path as this process
 * (the shaded jar under {@code bin/chainmux}), running the hidden command {@code demo-node}. A
 * shutdown hook kills every node process still alive when this JVM exits, however it exits.
 */
public final class ProcessLauncher implements NodeLauncher {
    /** Main class of the command line; {@code demo-node} is its hidden subcommand. */
    public static final String MAIN_CLASS = "io.chainmux.cli.Main";

    private final DemoSettings settings;
    private final List<String> jvmOptions;
    private final PrintWriter log;
    private final List<Process> processes = new ArrayList<>();
    private final AtomicIntegerArray produced;
    private final Thread killer = new Thread(this::killAll, "demo-kill-nodes");

    /**
     * @param jvmOptions options for each node's JVM (e.g. {@code -Xmx512m})
     * @param log        where node processes' stderr lines go, prefixed with their node
     */
    public ProcessLauncher(DemoSettings settings, List<String> jvmOptions, PrintWriter log) {
        this.settings = settings;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.log = log;
        this.produced = new AtomicIntegerArray(settings.nodes());
        Runtime.getRuntime().addShutdownHook(killer);
    }

    /** The command that starts node {@code index}. */
    List<String> command(int index, List<PeerAddress> bootstrap) {
        List<String> args = new ArrayList<>();
        args.add("demo-node");
        args.add("--index=" + index);
        if (!bootstrap.isEmpty()) {
            args.add("--bootstrap=" + bootstrap.stream().map(PeerAddress::toString).collect(Collectors.joining(",")));
        }
        args.addAll(settings.toArgs());
        return ChildProcess.javaCommand(jvmOptions, MAIN_CLASS, args);
    }

    @Override
    public NodeHandle launch(int index, List<PeerAddress> bootstrap) {
        return ChildNode.launch(index, command(index, bootstrap), log, processes, n -> produced.set(index, n));
    }

    @Override
    public int chainsProduced() {
        int sum = 0;
        for (int i = 0; i < produced.length(); i++) {
            sum += produced.get(i);
        }
        return sum;
    }

    private void killAll() {
        List<Process> all;
        synchronized (processes) {
            all = List.copyOf(processes);
        }
        for (Process p : all) {
            p.destroyForcibly();
        }
        for (Process p : all) {
            try {
                p.waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Kills whatever node process is still alive and removes the shutdown hook. */
    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs anyway
        }
    }
}
