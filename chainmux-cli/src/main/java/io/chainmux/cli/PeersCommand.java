package io.chainmux.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chainmux.endpoint.PeerAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code chainmux peers HOST:PORT}: a node's peers, from its admin interface (the metrics address). */
@Command(name = "peers", sortOptions = false,
        description = "Shows a running node's peers from its admin interface (the node's metrics address): peer id, "
                + "address, stripes, streams, RTT, bytes in and out, streams per network, and why the last dial to "
                + "the peer failed, if one did.")
public final class PeersCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The node's metrics/admin address.")
    String target;

    @Option(names = "--json", description = "Print the raw JSON document instead of a table.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "Request timeout (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PeerAddress address;
        try {
            address = PeerAddress.parse(target);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (timeoutSeconds < 1 || timeoutSeconds > 600) {
            throw new ParameterException(spec.commandLine(), "--timeout must be in [1, 600], got " + timeoutSeconds);
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(timeoutSeconds)).build();
        String body;
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address.hostPort() + "/peers"))
                    .timeout(Duration.ofSeconds(timeoutSeconds)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new CliFailure("the admin interface at " + address.hostPort() + " answered HTTP " + r.statusCode());
            }
            body = r.body();
        } catch (java.net.ConnectException e) {
            throw new CliFailure("nothing listens at " + address.hostPort() + " (connection refused): is the node "
                    + "running, with --metrics " + address.hostPort() + "?");
        } catch (java.net.http.HttpTimeoutException e) {
            throw new CliFailure("no answer from " + address.hostPort() + " within " + timeoutSeconds + " s");
        } catch (IOException e) {
            // A chainmux port answers with its binary preamble: not worth printing.
            throw new CliFailure(address.hostPort() + " is not a chainmux admin interface (" + e.getClass().getSimpleName()
                    + "); give the node's metrics address, not its P2P port");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(body);
            return 0;
        }
        JsonNode rows = new ObjectMapper().readTree(body);
        out.printf(Locale.ROOT, "%-14s %-22s %7s %7s %9s %14s %14s  %s%n", "PEER", "ADDRESS", "STRIPES", "STREAMS",
                "RTT_MS", "BYTES_IN", "BYTES_OUT", "NETWORKS");
        for (JsonNode p : rows) {
            StringBuilder nets = new StringBuilder();
            for (Iterator<Map.Entry<String, JsonNode>> it = p.path("streamsPerNetwork").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                nets.append(nets.length() == 0 ? "" : " ").append(e.getKey()).append('=').append(e.getValue().asInt());
            }
            String peer = p.path("peer").asText();
            out.printf(Locale.ROOT, "%-14s %-22s %7d %7d %9s %,14d %,14d  %s%n",
                    peer.length() > 12 ? peer.substring(0, 12) : peer, p.path("address").asText(),
                    p.path("stripes").asInt(), p.path("streams").asInt(),
                    p.path("rttMillis").isNull() ? "-" : String.format(Locale.ROOT, "%.3f", p.path("rttMillis").asDouble()),
                    p.path("bytesIn").asLong(), p.path("bytesOut").asLong(), nets);
            if (p.hasNonNull("lastFailure")) {
                out.printf(Locale.ROOT, "  last failure %s: %s%n", p.path("lastFailureAt").asText(),
                        p.path("lastFailure").asText());
            }
        }
        out.printf(Locale.ROOT, "%d peer(s)%n", rows.size());
        return 0;
    }
}
