package io.chainmux.bench.scale;

import com.fasterxml.jackson.core.type.TypeReference;
import io.chainmux.endpoint.PeerAddress;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The coordinator's handle on the node under test's process ({@link ScaleNodeMain}): the same java and
 * class path as this JVM, the node's JVM options. Its stderr is copied to {@code log} with a prefix.
 * {@link #close()} asks it to exit and kills it if it does not within a few seconds; a shutdown hook
 * kills it whatever happens to this JVM.
 */
final class NodeProcess implements AutoCloseable {
    static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    static final Duration REPLY_TIMEOUT = Duration.ofSeconds(60);
    static final Duration EXIT_GRACE = Duration.ofSeconds(15);
    private static final String EOF = "\u0000eof";
    private static final TypeReference<Map<String, Object>> LINE = new TypeReference<>() {};

    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread killer;
    private final PeerAddress address;

    NodeProcess(List<String> jvmOptions, List<String> args, PrintWriter log) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+DisplayVMOutputToStderr"); // the JVM warns on stdout, where the answers go
        cmd.addAll(jvmOptions);
        String leak = System.getProperty("io.netty.leakDetection.level");
        if (leak != null) {
            cmd.add("-Dio.netty.leakDetection.level=" + leak);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ScaleNodeMain.class.getName());
        cmd.addAll(args);
        try {
            process = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new ScaleException("cannot start the node under test (" + cmd.get(0) + "): " + e.getMessage());
        }
        killer = new Thread(process::destroyForcibly, "scale-kill-node");
        Runtime.getRuntime().addShutdownHook(killer);
        stdin = process.outputWriter(StandardCharsets.UTF_8);
        pump("scale-node-stdout", process.inputReader(StandardCharsets.UTF_8), l -> {
            if (l.startsWith("{")) { // an answer; anything else is output for the log
                lines.add(l);
            } else {
                synchronized (log) {
                    log.println("node under test (stdout): " + l);
                    log.flush();
                }
            }
        }, () -> lines.add(EOF));
        pump("scale-node-stderr", process.errorReader(StandardCharsets.UTF_8), l -> {
            synchronized (log) {
                log.println("node under test: " + l);
                log.flush();
            }
        }, () -> { });
        try {
            this.address = PeerAddress.parse((String) await(READY_TIMEOUT, "to start").get("ready"));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    long pid() {
        return process.pid();
    }

    PeerAddress address() {
        return address;
    }

    /** Sends a command and returns its answer line. */
    Map<String, Object> call(String command) {
        try {
            stdin.write(command + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new ScaleException("the node under test does not take commands any more (" + exitStatus() + ")");
        }
        return await(REPLY_TIMEOUT, "to answer '" + command.split(" ")[0] + "'");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> call(String command, String key) {
        return (Map<String, Object>) call(command).get(key);
    }

    private Map<String, Object> await(Duration timeout, String what) {
        String l;
        try {
            l = lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScaleException("interrupted while waiting for the node under test");
        }
        if (l == null) {
            throw new ScaleException("the node under test did not answer within " + timeout.toSeconds() + " s " + what);
        }
        if (l.equals(EOF)) {
            lines.add(EOF);
            throw new ScaleException("the node under test ended before " + what + " (" + exitStatus() + ")");
        }
        Map<String, Object> line;
        try {
            line = ScaleNodeMain.JSON.readValue(l, LINE);
        } catch (IOException e) {
            throw new ScaleException("the node under test sent '" + l + "' " + what);
        }
        if (line.containsKey("error")) {
            throw new ScaleException("the node under test: " + line.get("error"));
        }
        return line;
    }

    private static void pump(String name, BufferedReader from, Consumer<String> to, Runnable atEnd) {
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

    /** Asks the node to exit (it saves its peer database); kills it if it has not within {@link #EXIT_GRACE}. */
    @Override
    public void close() {
        try {
            stdin.write("exit\n");
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
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway
        }
    }
}
