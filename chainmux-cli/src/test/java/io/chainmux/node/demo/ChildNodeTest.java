package io.chainmux.node.demo;

import io.chainmux.endpoint.identity.NodeIdentity;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The coordinator's side of a node process, against a stand-in process that prints what a JVM may print. */
class ChildNodeTest {

    /** A JVM warning on stdout used to end the demo as "not a status line"; it is the node's output, not an answer. */
    @Test
    void linesOnStdoutThatAreNotAnswersGoToTheLog() {
        String address = NodeIdentity.generate().peerId() + "@127.0.0.1:40123";
        String script = "echo 'OpenJDK 64-Bit Server VM warning: CodeCache is full. Compiler has been disabled.'; "
                + "echo '" + ChildProtocol.Line.produced(3).toJson() + "'; "
                + "echo '" + ChildProtocol.Line.ready(address).toJson() + "'; "
                + "read line"; // stays until the coordinator closes its stdin
        StringWriter log = new StringWriter();
        List<Process> started = new ArrayList<>();
        List<Integer> produced = new ArrayList<>();
        try (ChildNode node = ChildNode.launch(1, List.of("sh", "-c", script), new PrintWriter(log), started,
                produced::add)) {
            assertThat(node.address().toString()).isEqualTo(address);
            assertThat(produced).containsExactly(3);
        } finally {
            started.forEach(Process::destroyForcibly);
        }
        assertThat(log.toString()).contains("node 1 (stdout): OpenJDK 64-Bit Server VM warning: CodeCache is full");
    }
}
