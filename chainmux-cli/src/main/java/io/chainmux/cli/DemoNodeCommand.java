package io.chainmux.cli;

import io.chainmux.endpoint.PeerAddress;
import io.chainmux.node.demo.ChildMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code chainmux demo-node} (hidden): one node of {@code chainmux demo --processes}, started by the
 * coordinator; talks to it over stdin/stdout (see io.chainmux.node.demo.ChildProtocol) and exits when
 * its stdin closes.
 */
@Command(name = "demo-node", hidden = true, description = "One node of 'chainmux demo --processes' (internal).")
public final class DemoNodeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DemoOptions options;

    @Option(names = "--index", paramLabel = "I", required = true, description = "This node's index.")
    int index;

    @Option(names = "--bootstrap", paramLabel = "PEER", split = ",", description = "Peers to start from.")
    List<String> bootstrap;

    @Override
    public Integer call() throws Exception {
        var settings = options.settings(spec, true);
        if (index < 0 || index >= settings.nodes()) {
            throw new ParameterException(spec.commandLine(), "--index must be in [0, " + (settings.nodes() - 1)
                    + "], got " + index);
        }
        List<PeerAddress> peers;
        try {
            peers = bootstrap == null ? List.of() : bootstrap.stream().map(PeerAddress::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--bootstrap: " + e.getMessage());
        }
        LeakDetection.offUnlessSet();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintWriter out = spec.commandLine().getOut();
        try (Quiet quiet = Quiet.chainmuxWarningsOnly()) {
            return ChildMain.run(settings, index, peers, in, out);
        }
    }
}
