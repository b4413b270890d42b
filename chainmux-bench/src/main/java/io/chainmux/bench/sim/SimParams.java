package io.chainmux.bench.sim;

/**
 * One simulated network.
 *
 * @param nodes          nodes at the start
 * @param chains         chains (P2P networks) every node runs
 * @param degree         outgoing sessions per chain and node
 * @param rule           how nodes choose peers
 * @param fullView       every node knows every node (true), or what peer exchange taught it (false)
 * @param exchangeRounds peer exchanges a node has made before it forms its sessions (exchange view)
 * @param rounds         session lifetimes simulated after forming: every session ends once per round
 *                       and its slot is refilled
 * @param churn          share of nodes that leave per round (as many new nodes join)
 * @param maxInbound     inbound sessions a node accepts per chain (beyond: refused busy)
 * @param rotationBudget most session ends simulated per round; beyond it a random sample of sessions
 *                       rotates (reported)
 * @param seed           seed of every random choice: the same parameters give the same result
 */
record SimParams(int nodes, int chains, int degree, SimRule rule, boolean fullView, int exchangeRounds, int rounds,
                 double churn, int maxInbound, long rotationBudget, long seed) {
    static final int MAX_NODES = 20_000;
    static final int MAX_CHAINS = 10_000;

    SimParams {
        require(nodes >= 2 && nodes <= MAX_NODES, "nodes in [2, " + MAX_NODES + "]", nodes);
        require(chains >= 1 && chains <= MAX_CHAINS, "chains in [1, " + MAX_CHAINS + "]", chains);
        require(degree >= 1 && degree == rule.config().targetDegree(), "degree >= 1 and the rule's", degree);
        require(exchangeRounds >= 0 && exchangeRounds <= 100, "exchangeRounds in [0, 100]", exchangeRounds);
        require(rounds >= 0 && rounds <= 100, "rounds in [0, 100]", rounds);
        require(churn >= 0 && churn <= 0.5, "churn in [0, 0.5]", churn);
        require(maxInbound >= 1 && maxInbound <= Short.MAX_VALUE, "maxInbound in [1, 32767]", maxInbound);
        require(rotationBudget >= 1, "rotationBudget >= 1", rotationBudget);
    }

    private static void require(boolean ok, String what, Object value) {
        if (!ok) {
            throw new IllegalArgumentException("simulation parameter: expected " + what + ", was " + value);
        }
    }

    String view() {
        return fullView ? "full" : "exchange";
    }

    /** Nodes that leave (and join) per round. */
    int churnPerRound() {
        return (int) Math.round(nodes * churn);
    }
}
