package io.chainmux.node.demo;

import io.chainmux.endpoint.PeerAddress;
import io.chainmux.node.ChildProcess;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * A demo node in an OS process of its own (hidden command {@code chainmux demo-node}), driven over
 * {@link ChildProtocol} through a {@link ChildProcess}. Its stderr (logs) is copied to the coordinator's,
 * each line prefixed with the node. {@link #close()} asks it to exit, then kills it if it does not within a few seconds.
 */
final class ChildNode implements NodeHandle {
    /** A node process produces its chains before it announces itself: generous. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(300);
    static final Duration REPLY_TIMEOUT = Duration.ofSeconds(20);
    static final Duration FINAL_TIMEOUT = Duration.ofSeconds(300);
    static final Duration EXIT_GRACE = Duration.ofSeconds(5);

    private final int index;
    private final ChildProcess process;
    private final PeerAddress address;
    private volatile int verified;

    private ChildNode(int index, ChildProcess process, IntConsumer produced) {
        this.index = index;
        this.process = process;
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        ChildProtocol.Line ready;
        while ((ready = await(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())), "to start")).produced() != null) {
            produced.accept(ready.produced());
        }
        if (ready.ready() == null) {
            throw new DemoException("node " + index + " sent " + ready + " instead of its address");
        }
        this.address = PeerAddress.parse(ready.ready());
    }

    /**
     * Starts {@code command} (a JVM running {@code chainmux demo-node}) and waits until the node listens.
     * Status lines are JSON objects; anything else on its stdout is the node's to say, not an answer:
     * it goes to the log with the rest.
     *
     * @param processes every child started is added here first, so the caller can kill it whatever happens
     * @param produced  gets the node's count of chains produced while it starts
     * @throws DemoException if it cannot start, exits, or does not announce itself in time
     */
    static ChildNode launch(int index, List<String> command, PrintWriter log, List<Process> processes,
                            IntConsumer produced) {
        ChildProcess p = ChildProcess.start(command, "node " + index, "node " + index, log,
                ChildProtocol::isStatusLine, started -> {
                    synchronized (processes) {
                        processes.add(started);
                    }
                }, DemoException::new);
        try {
            return new ChildNode(index, p, produced);
        } catch (RuntimeException e) {
            p.process().destroyForcibly();
            throw e;
        }
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public PeerAddress address() {
        return address;
    }

    @Override
    public NodeReport report() {
        command(ChildProtocol.REPORT);
        return reportLine(REPLY_TIMEOUT, "to report");
    }

    @Override
    public void phase(GossipStats.Phase phase) {
        command(ChildProtocol.PHASE + " " + phase.name().toLowerCase(Locale.ROOT));
    }

    @Override
    public void stopGossip() {
        command(ChildProtocol.STOP_GOSSIP);
    }

    @Override
    public NodeReport finalReport() {
        command(ChildProtocol.FINAL);
        return reportLine(FINAL_TIMEOUT, "to verify its chains");
    }

    @Override
    public int chainsVerified() {
        return verified;
    }

    private NodeReport reportLine(Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ChildProtocol.Line l;
        while ((l = await(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())), what)).verified() != null) {
            verified = l.verified();
        }
        if (l.report() == null) {
            throw new DemoException("node " + index + " answered " + ChildProtocol.abbreviate(l.toJson())
                    + " instead of a report");
        }
        return l.report();
    }

    private void command(String line) {
        process.send(line);
    }

    private ChildProtocol.Line await(Duration timeout, String what) {
        String l = process.await(timeout, what);
        ChildProtocol.Line line;
        try {
            line = ChildProtocol.Line.parse(l);
        } catch (IllegalArgumentException e) {
            throw new DemoException("node " + index + ": " + e.getMessage());
        }
        if (line.error() != null) {
            throw new DemoException(line.error());
        }
        return line;
    }

    /** Asks the node to exit; kills it if it has not within {@link #EXIT_GRACE}. */
    @Override
    public void close() {
        process.close(ChildProtocol.EXIT, EXIT_GRACE);
    }
}
