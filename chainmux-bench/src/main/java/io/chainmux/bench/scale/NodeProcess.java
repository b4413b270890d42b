package io.chainmux.bench.scale;

import com.fasterxml.jackson.core.type.TypeReference;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.node.ChildProcess;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The coordinator's handle on the node under test's process ({@link ScaleNodeMain}): the same java and
 * class path as this JVM, the node's JVM options ({@link ChildProcess}). Its stderr is copied to {@code log}
 * with a prefix.
 * {@link #close()} asks it to exit and kills it if it does not within a few seconds; a shutdown hook
 * kills it whatever happens to this JVM.
 */
final class NodeProcess implements AutoCloseable {
    static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    static final Duration REPLY_TIMEOUT = Duration.ofSeconds(60);
    static final Duration EXIT_GRACE = Duration.ofSeconds(15);
    private static final TypeReference<Map<String, Object>> LINE = new TypeReference<>() {};

    private final ChildProcess process;
    private final Thread killer;
    private final PeerAddress address;

    NodeProcess(List<String> jvmOptions, List<String> args, PrintWriter log) {
        List<String> cmd = ChildProcess.javaCommand(jvmOptions, ScaleNodeMain.class.getName(), args);
        process = ChildProcess.start(cmd, "the node under test", "node under test", log, l -> l.startsWith("{"),
                p -> { }, ScaleException::new); // an answer is a JSON object; anything else is output for the log
        killer = new Thread(process.process()::destroyForcibly, "scale-kill-node");
        Runtime.getRuntime().addShutdownHook(killer);
        try {
            this.address = PeerAddress.parse((String) await(READY_TIMEOUT, "to start").get("ready"));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    long pid() {
        return process.process().pid();
    }

    PeerAddress address() {
        return address;
    }

    /** Sends a command and returns its answer line. */
    Map<String, Object> call(String command) {
        process.send(command);
        return await(REPLY_TIMEOUT, "to answer '" + command.split(" ")[0] + "'");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> call(String command, String key) {
        return (Map<String, Object>) call(command).get(key);
    }

    private Map<String, Object> await(Duration timeout, String what) {
        String l = process.await(timeout, what);
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

    /** Asks the node to exit (it saves its peer database); kills it if it has not within {@link #EXIT_GRACE}. */
    @Override
    public void close() {
        process.close("exit", EXIT_GRACE);
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway
        }
    }
}
