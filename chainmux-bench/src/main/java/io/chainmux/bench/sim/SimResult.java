package io.chainmux.bench.sim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one simulation measured, over the nodes up at its end.
 *
 * @param distinctPeers     distinct peers a node has a TCP connection to (sessions either way)
 * @param streamsPerTcp     a node's streams (outgoing and inbound sessions) per TCP connection
 * @param overallStreamsPerTcp every session over every TCP connection, network-wide
 * @param slotsUnfilled     outgoing slots left empty at the end (no eligible peer), over all nodes
 * @param busyRefusals      opens refused because the peer had its inbound sessions on that chain
 * @param dialsToDeparted   opens to nodes that had left
 * @param chainComponent    smallest share of nodes in the largest connected component of a chain's
 *                          session graph, over the chains checked
 * @param chainsChecked     chains whose session graph was checked for connectivity
 * @param meanView          peers a node knows, mean
 * @param rotatedShare      share of sessions that ended and were refilled per round (1: all; less: sampled)
 * @param seconds           wall-clock run time
 * @param cpuSeconds        CPU time of the run (-1 if not recorded)
 */
record SimResult(SimParams params, int nodesUp, Distribution distinctPeers, Distribution streamsPerTcp,
                 double overallStreamsPerTcp, long slotsUnfilled, long busyRefusals, long dialsToDeparted,
                 double chainComponent, int chainsChecked, double meanView, double rotatedShare, long picks,
                 double seconds, double cpuSeconds) {

    /** Whether part of the run was sampled rather than exact. */
    boolean sampled() {
        return rotatedShare < 1 && params.rounds() > 0;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nodes", params.nodes());
        m.put("chains", params.chains());
        m.put("degree", params.degree());
        m.put("rule", params.rule().name());
        m.put("view", params.view());
        m.put("exchange_rounds", params.fullView() ? null : params.exchangeRounds());
        m.put("rounds", params.rounds());
        m.put("churn_per_round", params.churn());
        m.put("max_inbound_per_chain", params.maxInbound());
        m.put("seed", params.seed());
        m.put("nodes_up", nodesUp);
        m.put("distinct_peers", dist(distinctPeers));
        m.put("streams_per_tcp", dist(streamsPerTcp));
        m.put("overall_streams_per_tcp", round(overallStreamsPerTcp));
        m.put("slots_unfilled", slotsUnfilled);
        m.put("busy_refusals", busyRefusals);
        m.put("dials_to_departed", dialsToDeparted);
        m.put("chain_largest_component_min", round(chainComponent));
        m.put("chains_checked", chainsChecked);
        m.put("mean_view", round(meanView));
        m.put("rotated_share_per_round", round(rotatedShare));
        m.put("sampled", sampled());
        m.put("picks", picks);
        m.put("seconds", round(seconds));
        m.put("cpu_seconds", round(cpuSeconds));
        return m;
    }

    /** Reads {@link #toJson()} back (to merge the cells of several runs). */
    static SimResult fromJson(Map<String, Object> m, long rotationBudget) {
        int degree = num(m, "degree").intValue();
        boolean full = "full".equals(m.get("view"));
        Object exchange = m.get("exchange_rounds");
        SimParams p = new SimParams(num(m, "nodes").intValue(), num(m, "chains").intValue(), degree,
                SimRule.parse((String) m.get("rule"), degree), full, exchange == null ? 0 : ((Number) exchange).intValue(),
                num(m, "rounds").intValue(), num(m, "churn_per_round").doubleValue(),
                num(m, "max_inbound_per_chain").intValue(), rotationBudget, num(m, "seed").longValue());
        return new SimResult(p, num(m, "nodes_up").intValue(), dist(m, "distinct_peers"), dist(m, "streams_per_tcp"),
                num(m, "overall_streams_per_tcp").doubleValue(), num(m, "slots_unfilled").longValue(),
                num(m, "busy_refusals").longValue(), num(m, "dials_to_departed").longValue(),
                num(m, "chain_largest_component_min").doubleValue(), num(m, "chains_checked").intValue(),
                num(m, "mean_view").doubleValue(), num(m, "rotated_share_per_round").doubleValue(),
                num(m, "picks").longValue(), num(m, "seconds").doubleValue(),
                m.get("cpu_seconds") instanceof Number cpu ? cpu.doubleValue() : -1);
    }

    private static Number num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("result field '" + key + "' is missing or not a number: " + v);
        }
        return n;
    }

    @SuppressWarnings("unchecked")
    private static Distribution dist(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("result field '" + key + "' is missing or not an object: " + v);
        }
        Map<String, Object> d = (Map<String, Object>) v;
        return new Distribution(num(d, "mean").doubleValue(), num(d, "p50").doubleValue(), num(d, "p90").doubleValue(),
                num(d, "max").doubleValue());
    }

    private static Map<String, Object> dist(Distribution d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mean", round(d.mean()));
        m.put("p50", round(d.p50()));
        m.put("p90", round(d.p90()));
        m.put("max", round(d.max()));
        return m;
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
