package io.chainmux.node;

import io.chainmux.broker.NetworkTraffic;
import io.chainmux.chaindb.ChainDb;
import io.chainmux.chaindb.FetchWindow;
import io.chainmux.p2p.NetworkStats;
import io.chainmux.p2p.P2pNetwork;
import io.chainmux.p2p.P2pNode;
import io.chainmux.p2p.PeerDb;
import io.chainmux.wire.ErrorCode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Binds per-network P2P and chain counters to Micrometer: sessions by outcome, active sessions,
 * messages and bytes in and out, refused opens by reason, chain heights, and the node's sharing
 * ratio, and the node's catch-up window. Series carry a {@code network} label (its wire id) or a
 * {@code chain} label.
 */
public final class P2pMetrics {
    private P2pMetrics() {}

    public static void bind(P2pNode node, Map<String, ChainDb> chains, FetchWindow fetchWindow, MeterRegistry r) {
        Gauge.builder("chainmux_sharing_ratio", node, P2pNode::sharingRatio)
                .description("Streams per TCP connection").register(r);
        for (ErrorCode code : ErrorCode.values()) {
            if (code.isRefusal()) {
                FunctionCounter.builder("chainmux_refused_opens_total", node, n -> n.refused(code))
                        .description("Inbound streams refused by this node, by reason")
                        .tag("reason", code.name().toLowerCase()).register(r);
            }
        }
        Gauge.builder("chainmux_session_starts_in_flight", node, P2pNode::sessionStartsInFlight)
                .description("Outgoing session opens in flight (paced node-wide; priority networks not counted)")
                .register(r);
        Gauge.builder("chainmux_session_starts_waiting", node, P2pNode::sessionStartsWaiting)
                .description("Outgoing sessions waiting for the node's pacing of session starts").register(r);
        FunctionCounter.builder("chainmux_session_start_waits_total", node, P2pNode::sessionStartWaits)
                .description("Times a network waited for a session start permit").register(r);
        Gauge.builder("chainmux_peer_db_peers", node.peerDb(), PeerDb::size)
                .description("Peers in the peer database").register(r);
        for (PeerDb.Learned outcome : PeerDb.Learned.values()) {
            FunctionCounter.builder("chainmux_peer_db_learned_total", node.peerDb(), db -> db.learned(outcome))
                    .description("Peers other peers named (busy refusals, peer exchange, advertised addresses), by"
                            + " what the database did with them")
                    .tag("outcome", outcome.name().toLowerCase()).register(r);
        }
        for (P2pNetwork net : node.networks()) {
            network(r, net);
        }
        for (Map.Entry<String, ChainDb> e : chains.entrySet()) {
            Gauge.builder("chainmux_chain_height", e.getValue(), ChainDb::height)
                    .description("Height of the local chain database").tag("chain", e.getKey()).register(r);
        }
        fetchWindow(r, fetchWindow);
    }

    /** The node-wide window over the chains' block requests (delay-based; grows while answers do not queue). */
    private static void fetchWindow(MeterRegistry r, FetchWindow w) {
        Gauge.builder("chainmux_fetch_window_bytes", w, FetchWindow::window)
                .description("Bytes of block requests the node's chains may have in flight together").register(r);
        Gauge.builder("chainmux_fetch_in_flight_bytes", w, FetchWindow::inFlight)
                .description("Bytes of block requests in flight, over all chains").register(r);
        FunctionCounter.builder("chainmux_fetch_waits_total", w, FetchWindow::waits)
                .description("Block requests that waited for room in the fetch window").register(r);
        FunctionCounter.builder("chainmux_fetch_window_decreases_total", w, FetchWindow::decreases)
                .description("Times the fetch window was halved because answers queued").register(r);
        FunctionCounter.builder("chainmux_fetch_stalls_total", w, FetchWindow::stalls)
                .description("Block requests that stopped counting against the window, unanswered too long").register(r);
    }

    /** Meters of one network; call for networks joined after {@link #bind}. */
    public static void network(MeterRegistry r, P2pNetwork net) {
        String id = net.id().wire();
        NetworkStats s = net.stats();
        NetworkTraffic t = net.traffic();
        sessions(r, id, s, "ok", NetworkStats::sessionsOk);
        sessions(r, id, s, "failed", NetworkStats::sessionsFailed);
        sessions(r, id, s, "misbehaved", NetworkStats::sessionsMisbehaved);
        sessions(r, id, s, "timeout", NetworkStats::timeouts);
        inboundLimit(r, id, s, "busy", NetworkStats::busyRefused);
        inboundLimit(r, id, s, "share", NetworkStats::shareRefused);
        inboundLimit(r, id, s, "silent", NetworkStats::silentCut);
        gauge(r, "chainmux_network_active_sessions", id, "outgoing", s, NetworkStats::activeOutgoing);
        gauge(r, "chainmux_network_active_sessions", id, "inbound", s, NetworkStats::activeInbound);
        traffic(r, "chainmux_network_received_messages_total", "Application messages received on the network", id, t,
                NetworkTraffic::messagesIn);
        traffic(r, "chainmux_network_sent_messages_total", "Application messages sent on the network", id, t,
                NetworkTraffic::messagesOut);
        traffic(r, "chainmux_network_received_bytes_total", "Application payload bytes received on the network", id, t,
                NetworkTraffic::bytesIn);
        traffic(r, "chainmux_network_sent_bytes_total", "Application payload bytes sent on the network", id, t,
                NetworkTraffic::bytesOut);
        FunctionCounter.builder("chainmux_network_send_blocked_total", t, NetworkTraffic::sendBlockedCount)
                .description("Times a stream of this network had data queued but the peer's window was used up")
                .tag("network", id).register(r);
    }

    private static void sessions(MeterRegistry r, String network, NetworkStats s, String outcome,
                                 ToLongFunction<NetworkStats> f) {
        FunctionCounter.builder("chainmux_network_sessions_total", s, x -> f.applyAsLong(x))
                .description("Outgoing sessions ended, by outcome").tag("network", network).tag("outcome", outcome)
                .register(r);
    }

    private static void inboundLimit(MeterRegistry r, String network, NetworkStats s, String limit,
                                     ToLongFunction<NetworkStats> f) {
        FunctionCounter.builder("chainmux_network_inbound_limit_hits_total", s, x -> f.applyAsLong(x))
                .description("Inbound sessions refused (busy: network full; share: the peer or its address holds its"
                        + " share) or cut (silent: no request in time)")
                .tag("network", network).tag("limit", limit).register(r);
    }

    private static void gauge(MeterRegistry r, String name, String network, String direction, NetworkStats s,
                              ToDoubleFunction<NetworkStats> f) {
        Gauge.builder(name, s, f).description("Sessions running now on the network, by direction").tag("network", network)
                .tag("direction", direction).register(r);
    }

    private static void traffic(MeterRegistry r, String name, String help, String network, NetworkTraffic t,
                                ToLongFunction<NetworkTraffic> f) {
        FunctionCounter.builder(name, t, x -> f.applyAsLong(x)).description(help)
                .tag("network", network).register(r);
    }
}
