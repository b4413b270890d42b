package io.chainmux.node.demo;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

/**
 * What one demo node reports, at every progress tick and once at the end ({@link Final} filled in). The
 * same record travels as one JSON line from a node process to the coordinator.
 *
 * @param heights            per chain height; only the late node sends it (the others hold every chain)
 * @param lastAppendMillis   wall clock of the node's last synced append, 0 if none
 * @param minChainDegree     the fewest outgoing sessions any of its chain networks has now
 * @param intervalLatency    echo round trips since the previous report ({@link Histograms#encode})
 * @param gossipRunning      small-message sessions still sending or draining
 * @param failuresByReason   failed outgoing sessions (chains and small messages) by reason category
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeReport(int index, String peerId, String address, boolean late, long startedAtMillis,
                         long timeMillis, int chainsAtTarget, long heightSum, long[] heights, long blocksSynced,
                         long syncBytesReceived, long blocksServed, long bytesServed, long lastAppendMillis,
                         long wireBytesIn, long wireBytesOut, int tcpConnections, int connectedPeers,
                         int streams, int chainSessionsActive, int minChainDegree,
                         long chainSessionsOk, long chainSessionsFailed, long chainInboundOk,
                         long chainInboundFailed, int gossipActive, int gossipRunning, long gossipSessionsOk,
                         long gossipSessionsFailed, long msgSent, long msgEchoed, long msgReceived, long msgLost,
                         long msgCorrupt, long msgFailedReported, long msgSkipped, String intervalLatency,
                         Map<String, Long> failuresByReason, Final fin) {

    /**
     * The end of a run: every chain verified, latencies per phase.
     *
     * @param chainsValid  chains whose {@code verifyAll()} checked out
     * @param chainsFull   chains at the target height
     * @param problem      the first problem found, empty if none
     * @param latency      phase name to encoded histogram (microseconds)
     */
    public record Final(int chainsValid, int chainsFull, long blocksChecked, String problem,
                        Map<String, String> latency) {}

    public NodeReport withFinal(Final f) {
        return new NodeReport(index, peerId, address, late, startedAtMillis, timeMillis, chainsAtTarget, heightSum,
                heights, blocksSynced, syncBytesReceived, blocksServed, bytesServed, lastAppendMillis, wireBytesIn,
                wireBytesOut, tcpConnections, connectedPeers, streams, chainSessionsActive, minChainDegree,
                chainSessionsOk, chainSessionsFailed, chainInboundOk, chainInboundFailed, gossipActive, gossipRunning,
                gossipSessionsOk, gossipSessionsFailed, msgSent, msgEchoed, msgReceived, msgLost, msgCorrupt,
                msgFailedReported, msgSkipped, intervalLatency, failuresByReason, f);
    }
}
