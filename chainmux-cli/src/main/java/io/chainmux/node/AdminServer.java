package io.chainmux.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The node's small admin interface on its metrics address (JDK HTTP server, one thread):
 * {@code GET /metrics} in Prometheus text format, {@code GET /peers} a JSON status of peers,
 * {@code GET /health}, and an index at {@code /}; {@code HEAD} on each. Read-only; bind it to a loopback or private address.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static final String INDEX = "<!DOCTYPE html><html><head><title>chainmux node</title></head><body>"
            + "<h1>chainmux node</h1><ul><li><a href=\"/metrics\">/metrics</a> Prometheus text format</li>"
            + "<li><a href=\"/peers\">/peers</a> peers as JSON</li><li><a href=\"/health\">/health</a></li></ul>"
            + "</body></html>\n";

    private final HttpServer server;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "chainmux-admin");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param beforeScrape runs before each {@code /metrics} answer (refreshes per-peer gauges)
     * @param status       the {@code /peers} document
     */
    public AdminServer(InetSocketAddress address, PrometheusMeterRegistry registry, Runnable beforeScrape,
                       Supplier<Object> status) throws IOException {
        server = HttpServer.create(address, 16);
        server.setExecutor(thread);
        server.createContext("/metrics", ex -> respond(ex, () -> {
            beforeScrape.run();
            return registry.scrape();
        }, "text/plain; version=0.0.4; charset=utf-8"));
        server.createContext("/peers", ex -> respond(ex, () -> JSON.writeValueAsString(status.get()),
                "application/json"));
        server.createContext("/health", ex -> respond(ex, () -> "ok\n", "text/plain"));
        server.createContext("/", ex -> {
            if (!"/".equals(ex.getRequestURI().getPath())) {
                try (ex) {
                    ex.sendResponseHeaders(404, -1);
                }
                return;
            }
            respond(ex, () -> INDEX, "text/html; charset=utf-8");
        });
        server.start();
        log.info("admin interface on http://{}:{}/ (metrics, peers, health)", address.getHostString(), port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private interface Body {
        String get() throws Exception;
    }

    private static void respond(HttpExchange ex, Body body, String type) throws IOException {
        try (ex) {
            boolean head = "HEAD".equals(ex.getRequestMethod());
            if (!head && !"GET".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes;
            int code = 200;
            try {
                bytes = body.get().getBytes(StandardCharsets.UTF_8);
            } catch (Exception e) {
                code = 500;
                bytes = ("error: " + e + "\n").getBytes(StandardCharsets.UTF_8);
                type = "text/plain";
            }
            ex.getResponseHeaders().set("Content-Type", type);
            if (head) { // the headers a GET would get (scrapers and load balancers probe this way)
                ex.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
                ex.sendResponseHeaders(code, -1);
                return;
            }
            ex.sendResponseHeaders(code, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }
}
