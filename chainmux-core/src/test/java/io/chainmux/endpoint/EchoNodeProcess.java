package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.NodeIdentity;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A node in a process of its own, for fault tests that kill it with SIGKILL: an endpoint on
 * 127.0.0.1 with the identity in the key file given, echoing every message (as {@link TestNode}).
 * Prints {@code READY <port> <peer id>} once listening, then runs until killed or its stdin closes.
 */
public final class EchoNodeProcess {
    private EchoNodeProcess() {}

    public static void main(String[] args) throws Exception {
        NodeIdentity identity = NodeIdentity.loadOrCreate(Path.of(args[0]));
        TestNode node = new TestNode(identity, b -> b.shutdownGrace(Duration.ofMillis(100)));
        System.out.println("READY " + node.endpoint.localAddress().getPort() + " " + identity.peerId());
        System.out.flush();
        while (System.in.read() >= 0) {
            // runs until the parent closes our stdin (or kills us)
        }
        node.close();
    }
}
