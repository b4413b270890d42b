package io.chainmux.cli;

import io.chainmux.endpoint.PeerAddress;
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
import java.util.Locale;
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

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the identity and peer database go unless "
            + "given (dataDir; default: " + NodeConfigFile.DATA_DIR_HELP + ").")
    String dataDir;

    @Option(names = "--identity", paramLabel = "FILE", description = "Ed25519 key file, created owner-only on first "
            + "use (identity; default: DIR/" + NodeConfigFile.IDENTITY_FILE + ").")
    String identity;

    @Option(names = "--peer-db", paramLabel = "FILE",
            description = "Peer database file (peerDb; default: DIR/" + NodeConfigFile.PEER_DB_FILE + ").")
    String peerDb;

    @Option(names = "--advertise", paramLabel = "HOST:PORT",
            description = "Address peers should dial (advertise; default: none).")
    String advertise;

    @Option(names = "--bootstrap", paramLabel = "PEER", split = ",",
            description = "Peers to start from, PEERID@HOST:PORT, comma-separated; \"\" for none (bootstrap; "
                    + "default: none).")
    List<String> bootstrap;

    @Option(names = "--chains", paramLabel = "N",
            description = "Serve chains 0..N-1 (chains.count; default: " + NodeConfigFile.DEFAULT_CHAINS + ").")
    Integer chains;

    @Option(names = "--degree", paramLabel = "N",
            description = "Outgoing sessions per chain (network.degree; default: " + NodeConfigFile.DEFAULT_DEGREE + ").")
    Integer degree;

    @Option(names = "--stripes", paramLabel = "K",
            description = "TCP connections dialed per peer (stripes; default: " + NodeConfigFile.DEFAULT_STRIPES + ").")
    Integer stripes;

    @Option(names = "--tls", negatable = true,
            description = "TLS 1.3 bound to the node identity (tls; default: off). Every peer must match.")
    Boolean tls;

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
            description = "Serve /metrics (Prometheus), /peers and /health here (metrics; default: off).")
    String metrics;

    @Option(names = "--produce-blocks", paramLabel = "N", defaultValue = "0",
            description = "Produce N blocks of 4 KiB on every chain at start, for other nodes to sync "
                    + "(testbeds; default: ${DEFAULT-VALUE}).")
    int produceBlocks;

    @Option(names = "--transport", paramLabel = "KIND", defaultValue = "auto",
            description = "epoll, nio or auto (default: ${DEFAULT-VALUE}).")
    String transport;

    /** Config keys set by a flag, and the flag, so an error names what the operator typed. */
    private static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("listen", "--listen"),
            Map.entry("dataDir", "--data-dir"), Map.entry("identity", "--identity"), Map.entry("peerDb", "--peer-db"),
            Map.entry("advertise", "--advertise"), Map.entry("bootstrap", "--bootstrap"),
            Map.entry("chains.count", "--chains"), Map.entry("network.degree", "--degree"),
            Map.entry("stripes", "--stripes"), Map.entry("tls", "--tls"), Map.entry("metrics", "--metrics"));

    @Override
    public Integer call() throws Exception {
        NodeConfigFile file;
        Transport t;
        Map<String, Object> overrides = overrides();
        try {
            t = Transport.parse(transport);
            if (produceBlocks < 0 || produceBlocks > 1_000_000) {
                throw new ParameterException(spec.commandLine(), "--produce-blocks must be in [0, 1000000], got "
                        + produceBlocks);
            }
            if (config == null && listen == null) {
                throw new ParameterException(spec.commandLine(), "give --config FILE or --listen HOST:PORT");
            }
            file = NodeConfigFile.load(config, overrides);
        } catch (ConfigException e) {
            throw invalid(e, overrides);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        NodeRunner runner;
        try {
            runner = NodeRunner.start(file, t, produceBlocks);
        } catch (ConfigException e) {
            throw invalid(e, overrides);
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
        out.println(startupLine(runner, file));
        out.flush();
        stopped.await();
        return 0;
    }

    /** A config problem as a usage error (exit 2), named by the flag when a flag set it. */
    private ParameterException invalid(ConfigException e, Map<String, Object> overrides) {
        String key = e.key().replaceAll("\\[\\d+]$", "");
        String flag = overrides.containsKey(key) ? FLAGS.get(key) : null;
        String message = flag == null ? "invalid configuration: " + e.getMessage()
                : flag + ": " + e.getMessage().substring(e.key().length() + 2);
        return new ParameterException(spec.commandLine(), message);
    }

    /** What an operator needs first: where it listens and the address other nodes bootstrap from. */
    static String startupLine(NodeRunner runner, NodeConfigFile file) {
        PeerAddress bound = PeerAddress.of(runner.node().broker().endpoint().localAddress());
        boolean wildcard = bound.toSocketAddress().getAddress() != null && bound.toSocketAddress().getAddress().isAnyLocalAddress();
        PeerAddress dialable = !file.advertise().isEmpty() ? PeerAddress.parse(file.advertise()) : bound;
        int n = runner.chains().size();
        return String.format(Locale.ROOT, "node listening on %s (%s), %d chain%s%s%npeer address: %s%s",
                bound.hostPort(), file.tls() ? "tls" : "plaintext", n, n == 1 ? "" : "s",
                runner.adminPort() > 0 ? ", admin on port " + runner.adminPort() : "",
                dialable.withPeer(runner.node().id()),
                wildcard && file.advertise().isEmpty() ? "  (replace the wildcard with this host's address, or set advertise)"
                        : "");
    }

    /** Flags given on the command line, as config keys. */
    private Map<String, Object> overrides() {
        Map<String, Object> o = new LinkedHashMap<>();
        put(o, "listen", listen);
        put(o, "dataDir", dataDir);
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
