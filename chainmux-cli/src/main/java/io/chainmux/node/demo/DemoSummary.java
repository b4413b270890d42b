package io.chainmux.node.demo;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of a demo run: the JSON summary ({@link #json()}, field names documented in
 * docs/DEMO.md), the short human text, and whether the run passed: every chain verified on every node
 * with the late node at the target height, no small message lost, the catch-up within {@code --seconds},
 * every node at its degree, and no failed session (the demo injects no failure: no partition, no restart
 * of a running node, so every failure is unexplained).
 */
public final class DemoSummary {
    private final Map<String, Object> json;
    private final List<String> failures;
    private final String text;

    private DemoSummary(Map<String, Object> json, List<String> failures, String text) {
        this.json = json;
        this.failures = failures;
        this.text = text;
    }

    /** The JSON summary as maps, lists and numbers (Jackson writes it as it is). */
    public Map<String, Object> json() {
        return json;
    }

    public boolean ok() {
        return failures.isEmpty();
    }

    /** Why the run failed, one line each; empty if it passed. */
    public List<String> failures() {
        return failures;
    }

    /** A few lines for a person. */
    public String text() {
        return text;
    }

    /**
     * @param connections reports taken before anything stopped (connections, degree)
     * @param finals      reports after the small messages drained, with verification
     * @param catchupWall seconds from the late node's start until it caught up or the deadline passed
     */
    static DemoSummary of(DemoSettings s, List<NodeReport> connections, List<NodeReport> finals,
                          List<Progress.Sample> timeline, boolean caughtUp, double catchupWall, double elapsed) {
        NodeReport late = finals.get(finals.size() - 1);
        int tcpSum = 0, streamSum = 0;
        boolean allAtDegree = true;
        List<Integer> tcpPerNode = new ArrayList<>();
        for (NodeReport r : connections) {
            tcpSum += r.tcpConnections();
            streamSum += r.streams();
            tcpPerNode.add(r.tcpConnections());
            allAtDegree &= atDegree(s, r);
        }
        int tcp = (tcpSum + 1) / 2; // each is counted at both of its ends
        int streams = (streamSum + 1) / 2;

        long ok = 0, failed = 0, synced = 0, bytes = 0, wire = 0, checked = 0;
        long sent = 0, echoed = 0, lost = 0, corrupt = 0, reported = 0, skipped = 0;
        boolean verified = true;
        String problem = "";
        Map<GossipStats.Phase, Histogram> byPhase = new LinkedHashMap<>();
        for (GossipStats.Phase p : GossipStats.Phase.values()) {
            byPhase.put(p, new Histogram(GossipStats.DIGITS));
        }
        Histogram all = new Histogram(GossipStats.DIGITS);
        Map<String, Long> reasons = new TreeMap<>();
        List<Map<String, Object>> perNode = new ArrayList<>();
        for (int i = 0; i < finals.size(); i++) {
            NodeReport r = finals.get(i);
            NodeReport c = connections.get(i);
            NodeReport.Final f = r.fin();
            ok += r.chainSessionsOk() + r.gossipSessionsOk();
            failed += r.chainSessionsFailed() + r.gossipSessionsFailed();
            Map<String, Long> nodeReasons = r.failuresByReason() == null ? Map.of() : r.failuresByReason();
            nodeReasons.forEach((k, v) -> reasons.merge(k, v, Long::sum));
            synced += r.blocksSynced();
            bytes += r.syncBytesReceived();
            wire += r.wireBytesOut();
            checked += f.blocksChecked();
            sent += r.msgSent();
            echoed += r.msgEchoed();
            lost += r.msgLost();
            corrupt += r.msgCorrupt();
            reported += r.msgFailedReported();
            skipped += r.msgSkipped();
            boolean nodeVerified = f.chainsValid() == s.chains() && f.chainsFull() == s.chains();
            if (!nodeVerified && problem.isEmpty()) {
                problem = "node " + r.index() + ": " + f.problem();
            }
            verified &= nodeVerified;
            Histogram mine = new Histogram(GossipStats.DIGITS);
            for (GossipStats.Phase p : GossipStats.Phase.values()) {
                Histogram h = Histograms.decode(f.latency().get(p.name().toLowerCase(Locale.ROOT)));
                byPhase.get(p).add(h);
                if (p != GossipStats.Phase.SETUP) { // start-up (connecting, JIT) is not what the run measures
                    mine.add(h);
                }
            }
            all.add(mine);

            Map<String, Object> n = new LinkedHashMap<>();
            n.put("index", r.index());
            n.put("peer_id", r.peerId());
            n.put("address", r.address());
            n.put("late", r.late());
            n.put("tcp_connections", c.tcpConnections());
            n.put("peers", c.connectedPeers());
            n.put("logical_connections", c.streams());
            n.put("min_chain_degree", c.minChainDegree());
            n.put("gossip_degree", c.gossipActive());
            n.put("at_degree", atDegree(s, c));
            n.put("sessions_ok", r.chainSessionsOk() + r.gossipSessionsOk());
            n.put("sessions_failed", r.chainSessionsFailed() + r.gossipSessionsFailed());
            n.put("sessions_failed_by_reason", nodeReasons);
            n.put("inbound_sessions_ok", r.chainInboundOk());
            n.put("inbound_sessions_failed", r.chainInboundFailed());
            n.put("blocks_synced", r.blocksSynced());
            n.put("sync_bytes_received", r.syncBytesReceived());
            n.put("blocks_served", r.blocksServed());
            n.put("bytes_served", r.bytesServed());
            n.put("wire_bytes_in", r.wireBytesIn());
            n.put("wire_bytes_out", r.wireBytesOut());
            n.put("chains_valid", f.chainsValid());
            n.put("chains_full", f.chainsFull());
            n.put("blocks_checked", f.blocksChecked());
            n.put("problem", f.problem());
            n.put("messages_sent", r.msgSent());
            n.put("messages_echoed", r.msgEchoed());
            n.put("messages_received", r.msgReceived());
            n.put("messages_lost", r.msgLost());
            n.put("messages_failed_reported", r.msgFailedReported());
            n.put("small_msg_p99_ms", Histograms.millis(mine, 99));
            if (r.late()) {
                n.put("catchup_seconds", catchupSeconds(r, caughtUp, catchupWall));
            }
            perNode.add(n);
        }
        double catchup = catchupSeconds(late, caughtUp, catchupWall);

        Map<String, Object> j = new LinkedHashMap<>();
        j.put("nodes", s.nodes());
        j.put("chains", s.chains());
        j.put("degree", s.degree());
        j.put("stripes", s.stripes());
        j.put("blocks", s.blocks());
        j.put("block_size", s.blockSize());
        j.put("tcp_connections", tcp);
        j.put("tcp_connections_per_node", tcpPerNode);
        j.put("logical_connections", streams);
        j.put("sharing_ratio", round(tcp == 0 ? 0 : (double) streams / tcp));
        j.put("all_at_degree", allAtDegree);
        j.put("sessions_ok", ok);
        j.put("sessions_failed", failed);
        j.put("sessions_failed_by_reason", reasons);
        j.put("blocks_synced", synced);
        j.put("bytes", bytes);
        j.put("wire_bytes", wire);
        j.put("catchup_finished", caughtUp);
        j.put("catchup_seconds", round(catchup));
        j.put("small_msg_p50_ms", Histograms.millis(all, 50));
        j.put("small_msg_p99_ms", Histograms.millis(all, 99));
        j.put("small_msg_max_ms", all.getMaxValue() / 1000.0);
        j.put("small_msg_count", all.getTotalCount());
        Map<String, Object> phases = new LinkedHashMap<>();
        byPhase.forEach((p, h) -> phases.put(p.name().toLowerCase(Locale.ROOT), Map.of("count", h.getTotalCount(),
                "p50_ms", Histograms.millis(h, 50), "p99_ms", Histograms.millis(h, 99),
                "max_ms", h.getMaxValue() / 1000.0)));
        j.put("small_msg_by_phase", phases);
        j.put("hash_verified", verified);
        j.put("blocks_verified", checked);
        j.put("messages_sent", sent);
        j.put("messages_echoed", echoed);
        j.put("messages_lost", lost);
        j.put("messages_corrupt", corrupt);
        j.put("messages_failed_reported", reported);
        j.put("messages_skipped", skipped);
        j.put("elapsed_seconds", round(elapsed));

        List<String> failures = new ArrayList<>();
        if (!verified) {
            failures.add("hash_verified is false: " + problem);
        }
        if (lost > 0) {
            failures.add("messages_lost is " + lost + " (" + corrupt + " corrupt)");
        }
        if (!caughtUp) {
            failures.add("the late node did not catch up within --seconds " + s.catchupSeconds());
        }
        if (!allAtDegree) {
            failures.add("all_at_degree is false");
        }
        if (failed > 0) { // the run injects no failure, so none is explained
            failures.add("sessions_failed is " + failed + " " + reasons);
        }
        j.put("ok", failures.isEmpty());
        j.put("failures", failures);
        j.put("settings", s.toMap());
        j.put("per_node", perNode);
        j.put("timeline", timeline);

        Histogram during = byPhase.get(GossipStats.Phase.CATCHUP);
        Histogram before = byPhase.get(GossipStats.Phase.BASELINE);
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "chainmux demo: %d nodes x %d chains, degree %d, %d stripes; %d blocks x %d B "
                + "per chain%s%n", s.nodes(), s.chains(), s.degree(), s.stripes(), s.blocks(), s.blockSize(),
                s.processes() ? "; one process per node" : ""));
        t.append(String.format(Locale.ROOT, "  catch-up  node %d fetched %d blocks (%.1f MB) in %.1f s%s; "
                        + "every chain re-verified on every node: %s%n", late.index(), late.blocksSynced(),
                late.syncBytesReceived() / 1e6, catchup, caughtUp ? "" : " (NOT finished)", verified ? "yes" : "NO"));
        t.append(String.format(Locale.ROOT, "  sharing   %d streams over %d TCP connections: %.1f per "
                + "connection; every node at its degree: %s%n", streams, tcp, tcp == 0 ? 0.0 : (double) streams / tcp,
                allAtDegree ? "yes" : "no"));
        t.append(String.format(Locale.ROOT, "  fairness  small messages (%d B, %s/s per session) round trip p50 %s, "
                        + "p99 %s; before the catch-up p99 %s, during it p50 %s, p99 %s%n", s.msgSize(),
                trim(s.msgRate()), ms(all, 50), ms(all, 99), ms(before, 99), ms(during, 50), ms(during, 99)));
        t.append(String.format(Locale.ROOT, "  messages  %d sent, %d echoed, %d lost, %d reported failed (by their "
                + "stream, or late past the session's drain deadline)%n", sent, echoed, lost, reported));
        t.append(String.format(Locale.ROOT, "  sessions  %d ok, %d failed%s%n", ok, failed,
                reasons.isEmpty() ? "" : " " + reasons));
        t.append(String.format(Locale.ROOT, "  result    %s (%.1f s)%n", failures.isEmpty() ? "OK"
                : "FAILED: " + String.join("; ", failures), elapsed));
        return new DemoSummary(j, List.copyOf(failures), t.toString());
    }

    /** Every chain network and the gossip network of the node hold their degree. */
    static boolean atDegree(DemoSettings s, NodeReport r) {
        return r.minChainDegree() >= s.degree() && r.gossipActive() >= s.gossipDegree();
    }

    private static double catchupSeconds(NodeReport late, boolean caughtUp, double wall) {
        if (caughtUp && late.lastAppendMillis() > 0) {
            return Math.max(0, late.lastAppendMillis() - late.startedAtMillis()) / 1000.0;
        }
        return caughtUp ? 0 : wall;
    }

    /** A percentile for people: "-" when nothing was measured. */
    private static String ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? "-" : String.format(Locale.ROOT, "%.2f ms", Histograms.millis(h, percentile));
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
