package io.chainmux.node;

import io.chainmux.endpoint.Endpoint;
import io.chainmux.endpoint.EndpointStats;
import io.chainmux.endpoint.Limit;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.mux.Budget;
import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.MuxStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Binds an endpoint's counters to Micrometer under Prometheus names ({@code chainmux_..._total},
 * base units). Mux counters are summed over every connection the node ever had
 * ({@link io.chainmux.mux.MuxTotals}): counted as things happen, so a connection closed between two
 * scrapes (for breaking a budget, say) is counted, and counters never go backwards.
 * {@link #refresh()} updates the per-peer gauges; the admin server calls it before each scrape.
 */
public final class EndpointMetrics {
    private final Endpoint endpoint;
    private final MultiGauge peerConnections;
    private final MultiGauge peerRtt;

    public EndpointMetrics(Endpoint endpoint, MeterRegistry registry) {
        this.endpoint = endpoint;
        EndpointStats stats = endpoint.stats();
        for (HandshakeException.Reason r : HandshakeException.Reason.values()) {
            FunctionCounter.builder("chainmux_handshake_failures_total", stats, s -> s.handshakeFailures(r))
                    .description("Handshakes that failed, by reason").tag("reason", r.name().toLowerCase()).register(registry);
        }
        for (Limit l : Limit.values()) {
            FunctionCounter.builder("chainmux_limit_hits_total", stats, s -> s.limitHits(l))
                    .description("Times a named endpoint limit refused or closed a connection").tag("limit", l.label)
                    .register(registry);
        }
        counter(registry, "chainmux_handshakes_completed_total", "Handshakes completed", EndpointStats::handshakesCompleted);
        counter(registry, "chainmux_connections_accepted_total", "Inbound TCP connections accepted", EndpointStats::connectionsAccepted);
        counter(registry, "chainmux_connections_dialed_total", "Outbound TCP connections dialed", EndpointStats::connectionsDialed);
        counter(registry, "chainmux_connections_lost_total", "Connections to peers lost unexpectedly", EndpointStats::connectionsLost);
        counter(registry, "chainmux_reconnects_total", "Connections redialed after a loss", EndpointStats::reconnects);
        counter(registry, "chainmux_unused_connections_closed_total",
                "Dialed peer connections closed after carrying no stream for the unused-connection timeout",
                EndpointStats::unusedClosed);
        Gauge.builder("chainmux_peers", endpoint, e -> e.peers().stream().filter(PeerConnection::isConnected).count())
                .description("Peers with at least one connection").register(registry);
        Gauge.builder("chainmux_tcp_connections", endpoint, e -> e.peers().stream().mapToInt(PeerConnection::stripeCount).sum())
                .description("TCP connections to peers").register(registry);
        Gauge.builder("chainmux_streams", endpoint.muxTotals(),
                        t -> t.liveConnections().stream().mapToInt(MuxConnection::streamCount).sum())
                .description("Open streams over all TCP connections").register(registry);
        mux(registry, "chainmux_mux_received_bytes_total", "Payload bytes received in DATA frames", MuxStats::bytesIn);
        mux(registry, "chainmux_mux_sent_bytes_total", "Payload bytes sent in DATA frames", MuxStats::bytesOut);
        mux(registry, "chainmux_mux_received_messages_total", "Messages received", MuxStats::messagesIn);
        mux(registry, "chainmux_mux_sent_messages_total", "Messages sent", MuxStats::messagesOut);
        mux(registry, "chainmux_mux_stream_window_stalls_total", "Times a stream had data but no stream window",
                MuxStats::sendWindowStalls);
        mux(registry, "chainmux_mux_connection_window_stalls_total", "Times a connection had data but no connection window",
                MuxStats::connectionWindowStalls);
        mux(registry, "chainmux_mux_pipe_tightened_total",
                "Times a connection's pipe budget turned tight because a light stream sent beside heavy ones",
                MuxStats::pipeTightened);
        mux(registry, "chainmux_mux_resets_sent_total", "RESET frames sent (refusals included)", MuxStats::resetsSent);
        mux(registry, "chainmux_mux_resets_received_total", "RESET frames received", MuxStats::resetsReceived);
        for (Budget b : Budget.values()) {
            FunctionCounter.builder("chainmux_mux_budget_exceeded_total", endpoint.muxTotals(),
                            t -> t.sum(s -> s.budgetExceeded(b)))
                    .description("Times a peer broke a mux budget or deadline (the connection or the stream was cut)")
                    .tag("budget", b.label).register(registry);
        }
        mux(registry, "chainmux_mux_send_blocked_total",
                "Times a stream had data queued but its send window was used up (the peer's reader is behind)",
                MuxStats::sendBlocked);
        Gauge.builder("chainmux_mux_receive_committed_bytes", endpoint.muxTotals(),
                        m -> m.liveConnections().stream().mapToLong(x -> x.stats().receiveCommitted()).sum())
                .description("Receive credit committed to peers over all connections (each bounded by its receive budget)")
                .baseUnit("bytes").register(registry);
        Gauge.builder("chainmux_mux_receive_committed_peak_bytes", endpoint.muxTotals(),
                        m -> m.liveConnections().stream().mapToLong(x -> x.stats().receiveCommittedPeak()).max().orElse(0))
                .description("Highest receive credit committed on any open connection")
                .baseUnit("bytes").register(registry);
        peerConnections = MultiGauge.builder("chainmux_peer_connections").description("TCP connections per peer").register(registry);
        peerRtt = MultiGauge.builder("chainmux_peer_rtt_seconds").description("Smoothed PING round trip per peer")
                .baseUnit("seconds").register(registry);
    }

    private void counter(MeterRegistry r, String name, String help, ToLongFunction<EndpointStats> f) {
        FunctionCounter.builder(name, endpoint.stats(), f::applyAsLong).description(help).register(r);
    }

    private void mux(MeterRegistry r, String name, String help, ToLongFunction<MuxStats> f) {
        FunctionCounter.builder(name, endpoint.muxTotals(), t -> t.sum(f)).description(help).register(r);
    }

    /** Updates the per-peer gauges; call before a scrape. */
    public void refresh() {
        List<MultiGauge.Row<?>> perPeer = new ArrayList<>();
        List<MultiGauge.Row<?>> rtts = new ArrayList<>();
        for (PeerConnection pc : endpoint.peers()) {
            if (!pc.isConnected()) {
                continue; // a series per peer ever seen (every throwaway `ping` identity) would grow without bound
            }
            Tags t = Tags.of("peer", pc.peerId().shortForm());
            perPeer.add(MultiGauge.Row.of(t, pc.stripeCount()));
            List<MuxConnection> up = pc.stripedConnections();
            Duration rtt = up.isEmpty() ? null : up.get(0).rtt();
            if (rtt != null) {
                rtts.add(MultiGauge.Row.of(t, rtt.toNanos() / 1e9));
            }
        }
        peerConnections.register(perPeer, true);
        peerRtt.register(rtts, true);
    }
}
