package io.chainmux.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A child process driven over its standard streams, one command per line in, one answer per line out
 * (the demo's node processes, the scale benchmark's node under test). Lines on its stdout that are not
 * answers (the JVM's own warnings, say) and every line of its stderr go to a log, prefixed with the
 * child's name, so neither ends a run as a bad answer. Failures are the caller's exception type.
 *
 * <p>Thread-safe for one caller sending commands and waiting for answers; the pumps run on daemon threads.
 */
public final class ChildProcess {
    private static final String EOF = "\u0000eof";
    /** Netty leak detection settings a child inherits from this JVM, so a child's leak fails a test run too. */
    private static final List<String> INHERITED = List.of("io.netty.leakDetection.level",
            "io.netty.leakDetection.targetRecords");

    private final Process process;
    private final String name;
    private final Function<String, ? extends RuntimeException> failure;
    private final Writer stdin;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    /** The stdout and stderr pumps; {@link #close} waits for them so the log holds all the child wrote. */
    private final List<Thread> pumps = new ArrayList<>(2);

    private ChildProcess(Process process, String name, String logPrefix, PrintWriter log, Predicate<String> isAnswer,
                         Function<String, ? extends RuntimeException> failure) {
        this.process = process;
        this.name = name;
        this.failure = failure;
        this.stdin = process.outputWriter(StandardCharsets.UTF_8);
        pumps.add(pump(logPrefix + "-stdout", process.inputReader(StandardCharsets.UTF_8), l -> {
            if (isAnswer.test(l)) {
                answers.add(l);
            } else {
                log(log, logPrefix + " (stdout): " + l);
            }
        }, () -> answers.add(EOF)));
        pumps.add(pump(logPrefix + "-stderr", process.errorReader(StandardCharsets.UTF_8),
                l -> log(log, logPrefix + ": " + l), () -> { }));
    }

    /**
     * The command that runs {@code mainClass} in a JVM like this one: the same java ({@code java.home})
     * and class path, the JVM's own output on stderr (it warns on stdout, where the answers go), this
     * JVM's Netty leak detection settings, then {@code jvmOptions} and {@code args}.
     */
    public static List<String> javaCommand(List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+DisplayVMOutputToStderr");
        cmd.addAll(jvmOptions);
        for (String property : INHERITED) {
            String v = System.getProperty(property);
            if (v != null) {
                cmd.add("-D" + property + "=" + v);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /**
     * Starts {@code command} and pumps its output.
     *
     * @param name      the child in messages, e.g. "node 3" ("node 3 did not answer within 20 s ...")
     * @param logPrefix the child in log lines and thread names, e.g. "node 3"
     * @param isAnswer  which stdout lines are answers; the others go to {@code log}
     * @param started   gets the process as soon as it runs (to kill it whatever happens next)
     * @param failure   makes the caller's exception from a message
     */
    public static ChildProcess start(List<String> command, String name, String logPrefix, PrintWriter log,
                                     Predicate<String> isAnswer, Consumer<Process> started,
                                     Function<String, ? extends RuntimeException> failure) {
        Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw failure.apply("cannot start " + name + " (" + command.get(0) + "): " + e.getMessage());
        }
        started.accept(p);
        return new ChildProcess(p, name, logPrefix, log, isAnswer, failure);
    }

    public Process process() {
        return process;
    }

    /** Writes one command line. */
    public void send(String line) {
        try {
            stdin.write(line + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw failure.apply(name + " does not take commands any more (" + exitStatus() + ")");
        }
    }

    /**
     * The next answer line.
     *
     * @param what what the answer is for, in the failure's message ("to start")
     */
    public String await(Duration timeout, String what) {
        String l;
        try {
            l = answers.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure.apply("interrupted while waiting for " + name);
        }
        if (l == null) {
            throw failure.apply(name + " did not answer within " + timeout.toSeconds() + " s " + what);
        }
        if (l.equals(EOF)) {
            answers.add(EOF); // every later wait fails at once too
            throw failure.apply(name + " ended before " + what + " (" + exitStatus() + ")");
        }
        return l;
    }

    /** "exit code N; see its log lines above", or "still running" after a second's wait. */
    public String exitStatus() {
        try {
            if (process.waitFor(1, TimeUnit.SECONDS)) {
                return "exit code " + process.exitValue() + "; see its log lines above";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "still running";
    }

    /**
     * Sends {@code exitCommand} and closes its stdin; kills the child if it has not exited within {@code grace}.
     * Then waits (up to {@code grace} each) for the pumps to log the child's last lines, so a log read after
     * close has all of them.
     */
    public void close(String exitCommand, Duration grace) {
        try {
            stdin.write(exitCommand + "\n");
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
            }
            for (Thread pump : pumps) {
                pump.join(grace.toMillis());
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void log(PrintWriter log, String line) {
        synchronized (log) {
            log.println(line);
            log.flush();
        }
    }

    private static Thread pump(String name, BufferedReader from, Consumer<String> to, Runnable atEnd) {
        Thread t = new Thread(() -> {
            try (from) {
                for (String l; (l = from.readLine()) != null; ) {
                    to.accept(l);
                }
            } catch (IOException e) {
                // the process is gone; atEnd tells the waiting side
            }
            atEnd.run();
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
