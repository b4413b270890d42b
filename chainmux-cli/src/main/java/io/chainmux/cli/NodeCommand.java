package io.chainmux.cli;

import io.chainmux.endpoint.Endpoint;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.EndpointListener;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.endpoint.Transport;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.mux.CloseReason;
import io.chainmux.node.AdminServer;
import io.chainmux.node.EndpointMetrics;
import io.chainmux.node.PeerStatus;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code chainmux node}: a long-running node (a bare endpoint until networks are configured). */
@Command(name = "node", sortOptions = false,
        description = "Runs a chainmux node until SIGTERM or SIGINT, then shuts down gracefully (GO_AWAY to peers, "
                + "streams in flight may finish).")
public final class NodeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(NodeCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", required = true,
            description = "Address to accept connections on, e.g. 0.0.0.0:7000 or [::]:7000.")
    String listen;

    @Option(names = "--identity", paramLabel = "FILE", defaultValue = "chainmux-identity.key",
            description = "Ed25519 key file, created with owner-only permissions on first use (default: ${DEFAULT-VALUE}).")
    Path identityFile;

    @Option(names = "--advertise", paramLabel = "HOST:PORT",
            description = "Address peers should dial, sent in the handshake (default: none).")
    String advertise;

    @Option(names = "--connect", paramLabel = "PEER", split = ",",
            description = "Peers to connect to at start: HOST:PORT or PEERID@HOST:PORT (comma-separated).")
    List<String> connect;

    @Option(names = "--stripes", paramLabel = "K", defaultValue = "1",
            description = "TCP connections per peer this node dials (default: ${DEFAULT-VALUE}).")
    int stripes;

    @Option(names = "--tls", description = "Wrap every connection in TLS 1.3 bound to the node identity.")
    boolean tls;

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
            description = "Serve /metrics (Prometheus), /peers (JSON) and /health here, e.g. 127.0.0.1:9100.")
    String metrics;

    @Option(names = "--transport", paramLabel = "KIND", defaultValue = "auto",
            description = "epoll, nio or auto (default: ${DEFAULT-VALUE}).")
    String transport;

    @Override
    public Integer call() throws Exception {
        EndpointConfig config;
        List<PeerAddress> peers;
        NodeIdentity identity;
        try {
            PeerAddress listenAt = PeerAddress.parse(listen);
            peers = connect == null ? List.of() : connect.stream().map(PeerAddress::parse).toList();
            identity = NodeIdentity.loadOrCreate(identityFile);
            config = EndpointConfig.builder(identity).listen(listenAt).advertisedAddress(advertise)
                    .transport(Transport.parse(transport)).tls(tls).stripes(stripes).build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Endpoint endpoint;
        try {
            endpoint = Endpoint.start(config, new LoggingListener());
        } catch (UncheckedIOException e) {
            throw new CliFailure(e.getMessage());
        }
        AdminServer admin = null;
        if (metrics != null) {
            try {
                PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                EndpointMetrics bound = new EndpointMetrics(endpoint, registry);
                admin = new AdminServer(PeerAddress.parse(metrics).toSocketAddress(), registry, bound::refresh,
                        () -> PeerStatus.of(endpoint));
            } catch (IllegalArgumentException | java.io.IOException e) {
                endpoint.close();
                throw new CliFailure("cannot serve metrics on " + metrics + ": " + e.getMessage());
            }
        }
        AdminServer adminServer = admin;
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            log.info("shutting down: GO_AWAY to every peer");
            endpoint.close();
            if (adminServer != null) {
                adminServer.close();
            }
            stopped.countDown();
        }, "chainmux-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        spec.commandLine().getOut().printf("node %s listening on %s (%s%s)%n", identity.peerId(),
                endpoint.localAddress(), config.transport(), tls ? ", TLS" : "");
        spec.commandLine().getOut().flush();
        for (PeerAddress p : peers) {
            endpoint.connect(p).whenComplete((pc, e) -> {
                if (e != null) {
                    log.warn("could not connect to {}: {}", p, e.getMessage());
                }
            });
        }
        stopped.await();
        return 0;
    }

    /** Logs the endpoint's events: what an operator watching a bare node wants to see. */
    static final class LoggingListener implements EndpointListener {
        @Override
        public void onPeerConnected(PeerConnection peer) {
            log.info("peer {} connected", peer.peerId());
        }

        @Override
        public void onPeerDisconnected(PeerConnection peer, CloseReason reason) {
            log.info("peer {} disconnected: {}", peer.peerId(), reason);
        }

        @Override
        public void onStripeLost(PeerConnection peer, int stripeIndex, CloseReason reason) {
            log.warn("stripe {} of peer {} lost: {}", stripeIndex, peer.peerId(), reason);
        }
    }
}
