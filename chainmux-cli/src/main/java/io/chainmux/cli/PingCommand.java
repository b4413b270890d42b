package io.chainmux.cli;

import io.chainmux.endpoint.Endpoint;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.endpoint.Transport;
import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.PeerId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@code chainmux ping HOST:PORT}: handshake with a node, print who it is, measure round trips. */
@Command(name = "ping", sortOptions = false,
        description = "Connects to a chainmux node, completes the identity handshake, prints the remote peer id, "
                + "protocol version, transport and TLS mode, then the round-trip time of each PING, and closes "
                + "gracefully.")
public final class PingCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HOST:PORT",
            description = "The node to ping: HOST:PORT, [IPV6]:PORT, or PEERID@HOST:PORT to require that peer id.")
    String target;

    @Option(names = {"-c", "--count"}, paramLabel = "N", defaultValue = "4",
            description = "How many PINGs (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--interval-ms", paramLabel = "MS", defaultValue = "200",
            description = "Pause between PINGs in milliseconds (default: ${DEFAULT-VALUE}).")
    long intervalMillis;

    @Option(names = "--expect", paramLabel = "PEERID",
            description = "Fail unless the node's peer id is this (same as PEERID@HOST:PORT).")
    String expect;

    @Option(names = "--tls", description = "Use TLS 1.3 (the node must run with TLS too).")
    boolean tls;

    @Option(names = "--identity", paramLabel = "FILE",
            description = "Key file to authenticate with (created if missing); default: a throwaway identity.")
    Path identityFile;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "Limit for the connection and handshake, and for each PING reply (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--transport", paramLabel = "KIND", defaultValue = "auto",
            description = "epoll, nio or auto (default: ${DEFAULT-VALUE}).")
    String transport;

    @Override
    public Integer call() throws Exception {
        PeerAddress address;
        Transport t;
        try {
            address = PeerAddress.parse(target);
            if (expect != null) {
                address = address.withPeer(PeerId.parse(expect));
            }
            t = Transport.parse(transport);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (count < 1 || count > 1_000_000) {
            throw new ParameterException(spec.commandLine(), "--count must be in [1, 1000000], got " + count);
        }
        if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
            throw new ParameterException(spec.commandLine(), "--timeout must be in [1, 3600] seconds, got " + timeoutSeconds);
        }
        if (intervalMillis < 0 || intervalMillis > 60_000) {
            throw new ParameterException(spec.commandLine(), "--interval-ms must be in [0, 60000], got " + intervalMillis);
        }
        NodeIdentity identity = identityFile == null ? NodeIdentity.generate() : NodeIdentity.loadOrCreate(identityFile);
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        EndpointConfig config = EndpointConfig.builder(identity).transport(t).tls(tls).ioThreads(1)
                .handshakeTimeout(timeout).connectTimeout(timeout).shutdownGrace(Duration.ofSeconds(2)).build();
        PrintWriter out = spec.commandLine().getOut();
        try (Endpoint endpoint = Endpoint.start(config, new io.chainmux.endpoint.EndpointListener() {})) {
            PeerConnection peer;
            try {
                peer = endpoint.connect(address).get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new CliFailure(describe(address, e.getCause(), tls));
            } catch (TimeoutException e) {
                throw new CliFailure("no handshake with " + address.hostPort() + " within " + timeoutSeconds + " s");
            }
            out.printf(Locale.ROOT, "connected to %s%n  peer id   %s%n  protocol  v%d%n  transport %s, %s%n",
                    address.hostPort(), peer.peerId(), peer.protocolVersion(), t, tls ? "TLS 1.3" : "plaintext");
            out.flush();
            long ok = 0;
            for (int i = 1; i <= count; i++) {
                try {
                    Duration rtt = peer.ping().get(timeoutSeconds, TimeUnit.SECONDS);
                    out.printf(Locale.ROOT, "ping %d: rtt %.3f ms%n", i, rtt.toNanos() / 1e6);
                    ok++;
                } catch (TimeoutException e) {
                    out.printf(Locale.ROOT, "ping %d: no reply within %d s%n", i, timeoutSeconds);
                } catch (ExecutionException e) {
                    throw new CliFailure("connection to " + address.hostPort() + " lost: " + e.getCause().getMessage());
                }
                out.flush();
                if (i < count && intervalMillis > 0) {
                    Thread.sleep(intervalMillis);
                }
            }
            peer.close("ping done");
            if (ok < count) {
                throw new CliFailure((count - ok) + " of " + count + " pings got no reply");
            }
        }
        return 0;
    }

    static String describe(PeerAddress address, Throwable cause, boolean tls) {
        if (cause instanceof HandshakeException h) {
            return switch (h.reason()) {
                case TLS_MISMATCH -> "TLS mismatch with " + address.hostPort() + ": " + h.getMessage()
                        + (tls ? "; ping without --tls" : "; ping with --tls");
                case UNEXPECTED_PEER -> "wrong peer at " + address.hostPort() + ": " + h.getMessage();
                case TIMEOUT -> "handshake with " + address.hostPort() + " timed out: " + h.getMessage();
                case CONNECTION_FAILED -> h.getMessage();
                default -> "handshake with " + address.hostPort() + " failed (" + h.reason() + "): " + h.getMessage();
            };
        }
        return "cannot connect to " + address.hostPort() + ": " + cause;
    }
}
