package io.chainmux.node.demo;

import io.chainmux.endpoint.PeerAddress;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * A demo node in an OS process of its own (hidden command {@code chainmux demo-node}), driven over
 * {@link ChildProtocol}. Its stderr (logs) is copied to the coordinator's, each line prefixed with the
 * node. {@link #close()} asks it to exit, then kills it if it does not within a few seconds.
 */
final class ChildNode implements NodeHandle {
    /** A node process produces its chains before it announces itself: generous. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(300);
    static final Duration REPLY_TIMEOUT = Duration.ofSeconds(20);
    static final Duration FINAL_TIMEOUT = Duration.ofSeconds(300);
    static final Duration EXIT_GRACE = Duration.ofSeconds(5);
    private static final String EOF = "\u0000eof";

    private final int index;
    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final PeerAddress address;
    private volatile int verified;

    private ChildNode(int index, Process process, PrintWriter log, IntConsumer produced) {
        this.index = index;
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        // Status lines are JSON objects; anything else on stdout (the JVM prints its own warnings there)
        // is the node's to say, not an answer: it goes to the log with the rest.
        pump("demo-node-" + index + "-stdout", process.inputReader(StandardCharsets.UTF_8), l -> {
            if (ChildProtocol.isStatusLine(l)) {
                lines.add(l);
            } else {
                synchronized (log) {
                    log.println("node " + index + " (stdout): " + l);
                    log.flush();
                }
            }
        }, () -> lines.add(EOF));
        pump("demo-node-" + index + "-stderr", process.errorReader(StandardCharsets.UTF_8), l -> {
            synchronized (log) {
                log.println("node " + index + ": " + l);
                log.flush();
            }
        }, () -> { });
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
     *
     * @param processes every child started is added here first, so the caller can kill it whatever happens
     * @param produced  gets the node's count of chains produced while it starts
     * @throws DemoException if it cannot start, exits, or does not announce itself in time
     */
    static ChildNode launch(int index, List<String> command, PrintWriter log, List<Process> processes,
                            IntConsumer produced) {
        Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new DemoException("cannot start node " + index + " (" + command.get(0) + "): " + e.getMessage());
        }
        synchronized (processes) {
            processes.add(p);
        }
        try {
            return new ChildNode(index, p, log, produced);
        } catch (RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    private static void pump(String name, BufferedReader from, Consumer<String> to, Runnable atEnd) {
        Thread t = new Thread(() -> {
            try (from) {
                for (String l; (l = from.readLine()) != null; ) {
                    to.accept(l);
                }
            } catch (IOException e) {
                // the process is gone; EOF below tells the waiting side
            }
            atEnd.run();
        }, name);
        t.setDaemon(true);
        t.start();
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
        try {
            stdin.write(line + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new DemoException("node " + index + " does not take commands any more (" + exitStatus() + ")");
        }
    }

    private ChildProtocol.Line await(Duration timeout, String what) {
        String l;
        try {
            l = lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DemoException("interrupted while waiting for node " + index);
        }
        if (l == null) {
            throw new DemoException("node " + index + " did not answer within " + timeout.toSeconds() + " s " + what);
        }
        if (l.equals(EOF)) {
            lines.add(EOF); // every later wait fails at once too
            throw new DemoException("node " + index + " ended before " + what + " (" + exitStatus() + ")");
        }
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

    private String exitStatus() {
        try {
            if (process.waitFor(1, TimeUnit.SECONDS)) {
                return "exit code " + process.exitValue() + "; see its log lines above";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "still running";
    }

    /** Asks the node to exit; kills it if it has not within {@link #EXIT_GRACE}. */
    @Override
    public void close() {
        try {
            stdin.write(ChildProtocol.EXIT + "\n");
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
