package io.chainmux.node;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The child-process helper against stand-in processes (sh), not JVMs. */
class ChildProcessTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    static final class Failed extends RuntimeException {
        Failed(String message) {
            super(message);
        }
    }

    @Test
    void answersComeBackAndEverythingElseGoesToTheLog() {
        String script = "echo 'a JVM warning'; echo 'on stderr' >&2; read cmd; echo \"{\\\"got\\\":\\\"$cmd\\\"}\"; read exit";
        StringWriter log = new StringWriter();
        List<Process> started = new ArrayList<>();
        ChildProcess child = ChildProcess.start(List.of("sh", "-c", script), "child 1", "child 1",
                new PrintWriter(log), l -> l.startsWith("{"), started::add, Failed::new);
        try {
            assertThat(started).containsExactly(child.process());
            child.send("hello");
            assertThat(child.await(WAIT, "to answer")).isEqualTo("{\"got\":\"hello\"}");
        } finally {
            child.close("exit", WAIT);
        }
        assertThat(child.process().isAlive()).isFalse();
        assertThat(log.toString()).contains("child 1 (stdout): a JVM warning").contains("child 1: on stderr");
    }

    @Test
    void closeReturnsOnlyOnceTheChildsLastLinesAreLogged() {
        // many lines the pumps are still logging when the child has already exited
        String script = "i=0; while [ $i -lt 20000 ]; do echo \"line $i\" >&2; echo \"out $i\"; i=$((i+1)); done;"
                + " echo 'last on stderr' >&2; echo 'last on stdout'";
        StringWriter log = new StringWriter();
        ChildProcess child = ChildProcess.start(List.of("sh", "-c", script), "child 4", "child 4",
                new PrintWriter(log), l -> false, p -> { }, Failed::new);
        child.close("exit", WAIT);
        assertThat(log.toString()).contains("child 4: last on stderr").contains("child 4 (stdout): last on stdout");
    }

    @Test
    void aChildThatEndsFailsEveryWaitWithTheCallersException() {
        ChildProcess child = ChildProcess.start(List.of("sh", "-c", "exit 3"), "child 2", "child 2",
                new PrintWriter(new StringWriter()), l -> true, p -> { }, Failed::new);
        try {
            assertThatThrownBy(() -> child.await(WAIT, "to start")).isInstanceOf(Failed.class)
                    .hasMessageContaining("child 2 ended before to start").hasMessageContaining("exit code 3");
            assertThatThrownBy(() -> child.await(WAIT, "to answer")).isInstanceOf(Failed.class)
                    .hasMessageContaining("ended before to answer");
        } finally {
            child.close("exit", WAIT);
        }
    }

    @Test
    void theJavaCommandSendsTheJvmsOwnOutputToStderr() {
        List<String> cmd = ChildProcess.javaCommand(List.of("-Xmx64m"), "x.Main", List.of("a", "b"));
        assertThat(cmd.get(0)).endsWith("java");
        assertThat(cmd).contains("-XX:+DisplayVMOutputToStderr", "-Xmx64m", "-cp");
        assertThat(cmd.subList(cmd.size() - 3, cmd.size())).containsExactly("x.Main", "a", "b");
    }

    @Test
    void aCommandThatCannotStartFailsWithTheCallersException() {
        assertThatThrownBy(() -> ChildProcess.start(List.of("/nonexistent/child"), "child 3", "child 3",
                new PrintWriter(new StringWriter()), l -> true, p -> { }, Failed::new))
                .isInstanceOf(Failed.class).hasMessageStartingWith("cannot start child 3 (/nonexistent/child)");
    }
}
