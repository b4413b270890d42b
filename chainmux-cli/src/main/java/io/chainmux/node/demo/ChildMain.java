package io.chainmux.node.demo;

import io.chainmux.endpoint.PeerAddress;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;

/** The node side of {@link ChildProtocol}: runs one {@link DemoNode} in this process until told to exit. */
public final class ChildMain {
    private ChildMain() {}

    /**
     * Starts the node, announces it on {@code out}, then serves commands from {@code in} until "exit" or
     * the end of {@code in}.
     *
     * @return the process exit code: 0, or 1 after a command failed
     */
    public static int run(DemoSettings settings, int index, List<PeerAddress> bootstrap, BufferedReader in,
                          PrintWriter out) throws IOException {
        IntConsumer produced = throttled(settings.chains(), n -> send(out, ChildProtocol.Line.produced(n)));
        IntConsumer verified = throttled(settings.chains(), n -> send(out, ChildProtocol.Line.verified(n)));
        try (DemoNode node = DemoNode.start(settings, index, bootstrap, DemoNode.Threads.ownProcess(), produced)) {
            send(out, ChildProtocol.Line.ready(node.address().toString()));
            for (String line; (line = in.readLine()) != null; ) {
                String[] words = line.trim().split(" ");
                try {
                    switch (words[0]) {
                        case ChildProtocol.REPORT -> send(out, ChildProtocol.Line.of(node.report()));
                        case ChildProtocol.FINAL -> send(out, ChildProtocol.Line.of(node.finalReport(verified)));
                        case ChildProtocol.STOP_GOSSIP -> node.stopGossip();
                        case ChildProtocol.PHASE -> node.phase(GossipStats.Phase.valueOf(words[1].toUpperCase(Locale.ROOT)));
                        case ChildProtocol.EXIT -> {
                            return 0;
                        }
                        default -> throw new IllegalArgumentException("unknown command '" + line + "'");
                    }
                } catch (RuntimeException e) {
                    send(out, ChildProtocol.Line.error("node " + index + ": " + e));
                    return 1;
                }
            }
            return 0; // the coordinator is gone
        }
    }

    /** Passes on at most 5 counts a second, and the last one ({@code total}). */
    private static IntConsumer throttled(int total, IntConsumer to) {
        long[] last = {System.nanoTime()};
        return n -> {
            long now = System.nanoTime();
            if (now - last[0] >= 200_000_000L || n == total) {
                last[0] = now;
                to.accept(n);
            }
        };
    }

    private static void send(PrintWriter out, ChildProtocol.Line line) {
        out.println(line.toJson());
        out.flush();
    }
}
