package io.chainmux.cli;

import io.chainmux.endpoint.Transport;
import io.chainmux.node.ConfigException;
import io.chainmux.node.NodeConfigFile;
import io.chainmux.node.NodeRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code chainmux node}: a long-running node configured by a file and flags. */
@Command(name = "node", sortOptions = false,
        description = {"Runs a chainmux node until SIGTERM or SIGINT, then shuts down gracefully: GO_AWAY to peers, "
                + "streams in flight finish (or fail and say so), the peer database is saved.",
                "Configuration: a YAML file (--config; see docs/node-example.yaml) and flags, which override the file. "
                        + "Without --config, --listen is required."})
public final class NodeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
    Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to accept connections on (listen).")
    String listen;

    @Option(names = "--identity", paramLabel = "FILE",
            description = "Ed25519 key file, created owner-only on first use (identity; default chainmux-identity.key).")
    String identity;

    @Option(names = "--advertise", paramLabel = "HOST:PORT", description = "Address peers should dial (advertise).")
    String advertise;

    @Option(names = "--bootstrap", paramLabel = "PEER", split = ",",
            description = "Peers to start from, PEERID@HOST:PORT, comma-separated; \"\" for none (bootstrap).")
    List<String> bootstrap;

    @Option(names = "--chains", paramLabel = "N", description = "Serve chains 0..N-1 (chains.count).")
    Integer chains;

    @Option(names = "--degree", paramLabel = "N", description = "Outgoing sessions per chain (network.degree).")
    Integer degree;

    @Option(names = "--stripes", paramLabel = "K", description = "TCP connections dialed per peer (stripes).")
    Integer stripes;

    @Option(names = "--tls", negatable = true, description = "TLS 1.3 bound to the node identity (tls).")
    Boolean tls;

    @Option(names = "--peer-db", paramLabel = "FILE", description = "Peer database file (peerDb).")
    String peerDb;

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
            description = "Serve /metrics (Prometheus), /peers and /health here (metrics).")
    String metrics;

    @Option(names = "--transport", paramLabel = "KIND", defaultValue = "auto",
            description = "epoll, nio or auto (default: ${DEFAULT-VALUE}).")
    String transport;

    @Override
    public Integer call() throws Exception {
        NodeConfigFile file;
        Transport t;
        try {
            t = Transport.parse(transport);
            if (config == null && listen == null) {
                throw new ParameterException(spec.commandLine(), "give --config FILE or --listen HOST:PORT");
            }
            file = NodeConfigFile.load(config, overrides());
        } catch (ConfigException e) {
            throw new CliFailure("invalid configuration: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        NodeRunner runner;
        try {
            runner = NodeRunner.start(file, t);
        } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
            throw new CliFailure(e.getMessage());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        java.io.PrintWriter out = spec.commandLine().getOut();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("shutting down: GO_AWAY to every peer, saving the peer database");
            out.flush();
            runner.close();
            out.println("stopped");
            out.flush();
            stopped.countDown();
        }, "chainmux-shutdown"));
        spec.commandLine().getOut().printf("node %s listening on %s, %d chains%s%n", runner.node().id(),
                runner.node().broker().endpoint().localAddress(), runner.chains().size(),
                runner.adminPort() > 0 ? ", admin on port " + runner.adminPort() : "");
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }

    /** Flags given on the command line, as config keys. */
    private Map<String, Object> overrides() {
        Map<String, Object> o = new LinkedHashMap<>();
        put(o, "listen", listen);
        put(o, "identity", identity);
        put(o, "advertise", advertise);
        // an empty value (--bootstrap "") clears the file's bootstrap list
        put(o, "bootstrap", bootstrap == null ? null : bootstrap.stream().filter(b -> !b.isBlank()).toList());
        put(o, "chains.count", chains);
        put(o, "network.degree", degree);
        put(o, "stripes", stripes);
        put(o, "tls", tls);
        put(o, "peerDb", peerDb);
        put(o, "metrics", metrics);
        return o;
    }

    private static void put(Map<String, Object> o, String key, Object value) {
        if (value != null) {
            o.put(key, value);
        }
    }
}
