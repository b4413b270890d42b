package io.chainmux.node.demo;

import io.chainmux.chaindb.ChainDbConfig;
import io.chainmux.chaindb.SyncCodec;
import io.chainmux.p2p.NetworkConfig;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one demo run does; immutable and validated here (every bad value gets a one-line message that
 * names the command-line option).
 *
 * @param nodes          nodes in the local network, the late one included
 * @param chains         chains, one chain-database sync network each ({@code <chain>/chaindb-sync/1})
 * @param degree         outgoing sessions per chain network per node (and of the gossip network)
 * @param stripes        TCP connections per peer pair
 * @param blocks         blocks per chain on every node but the late one
 * @param blockSize      payload bytes per block
 * @param catchupSeconds the late node must have every chain within this, counted from its start
 * @param warmupSeconds  the network runs (small messages only) this long before the late node starts
 * @param tailSeconds    the network keeps running this long after the catch-up, before the final figures
 * @param msgSize        bytes per small (gossip) message
 * @param msgRate        small messages per second per gossip session
 * @param processes      each node in its own OS process
 */
public record DemoSettings(int nodes, int chains, int degree, int stripes, int blocks, int blockSize,
                           double catchupSeconds, double warmupSeconds, double tailSeconds, int msgSize,
                           double msgRate, boolean processes) {
    public static final int MAX_NODES = 64;
    public static final int MAX_CHAINS = 10_000;
    public static final int MAX_STRIPES = 8;
    public static final int MAX_BLOCKS = 1_000_000;
    /** Sequence number and send time: the smallest message that can be checked. */
    public static final int MIN_MSG_SIZE = GossipMessage.HEADER;
    public static final int MAX_MSG_SIZE = 65_536;
    static final int SYNC_BATCH_BYTES = 256 * 1024;
    static final long SYNC_IN_FLIGHT_PER_NODE = 16L * 1024 * 1024;

    public DemoSettings {
        range("--nodes", nodes, 2, MAX_NODES);
        range("--chains", chains, 1, MAX_CHAINS);
        range("--degree", degree, 1, NetworkConfig.MAX_DEGREE);
        if (degree > nodes - 1) {
            throw new IllegalArgumentException("--degree must be at most --nodes - 1 (" + (nodes - 1)
                    + " other nodes to connect to), got " + degree);
        }
        range("--stripes", stripes, 1, MAX_STRIPES);
        range("--blocks", blocks, 1, MAX_BLOCKS);
        range("--block-size", blockSize, 1, ChainDbConfig.MAX_PAYLOAD_LIMIT);
        seconds("--seconds", catchupSeconds, false);
        seconds("--warmup", warmupSeconds, true);
        seconds("--tail", tailSeconds, true);
        range("--msg-size", msgSize, MIN_MSG_SIZE, MAX_MSG_SIZE);
        if (!(msgRate > 0 && msgRate <= 1000)) {
            throw new IllegalArgumentException("--msg-rate must be > 0 and at most 1000 messages per second, got "
                    + msgRate);
        }
        long chainBlocks = (long) chains * blocks;
        if (chainBlocks > 100_000_000L) {
            throw new IllegalArgumentException("--chains x --blocks must be at most 100000000 blocks per node, got "
                    + chainBlocks);
        }
    }

    /** The defaults of {@code chainmux demo}: about a minute on 2 cores. */
    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().nodes(nodes).chains(chains).degree(degree).stripes(stripes).blocks(blocks)
                .blockSize(blockSize).catchupSeconds(catchupSeconds).warmupSeconds(warmupSeconds)
                .tailSeconds(tailSeconds).msgSize(msgSize).msgRate(msgRate).processes(processes);
    }

    /** Index of the node that starts late and empty: the last one. */
    public int lateNode() {
        return nodes - 1;
    }

    /** Degree of the gossip network: every node keeps this many small-message sessions. */
    public int gossipDegree() {
        return degree;
    }

    /**
     * Sync batches of at most 256 KiB (the library default is 1 MiB) and a node-wide budget of 16 MiB of
     * outstanding requests shared by the chains (one to four batches per chain). The library defaults
     * suit one chain over a long link; a node catching up 100 chains at once has 100 fetchers, and
     * whatever they have in flight queues in front of every other network's messages on the node's
     * worker threads, so it is bounded per node, not per chain. Blocks larger than a batch get batches
     * of one block.
     */
    public ChainDbConfig chainDbConfig() {
        int maxPayload = Math.max(blockSize, ChainDbConfig.defaults().maxPayloadSize());
        int batch = Math.max(SYNC_BATCH_BYTES, SyncCodec.BLOCKS_HEADER_SIZE + SyncCodec.BLOCK_OVERHEAD + maxPayload);
        long inFlight = Math.max(batch, Math.min(4L * batch, SYNC_IN_FLIGHT_PER_NODE / chains));
        return ChainDbConfig.builder().payloadSize(blockSize).maxPayloadSize(maxPayload).maxBatchBytes(batch)
                .maxInFlightBytes(inFlight).build();
    }

    public Duration catchup() {
        return Duration.ofNanos(Math.round(catchupSeconds * 1e9));
    }

    /** Settings as they go into the JSON summary. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nodes", nodes);
        m.put("chains", chains);
        m.put("degree", degree);
        m.put("stripes", stripes);
        m.put("blocks", blocks);
        m.put("block_size", blockSize);
        m.put("seconds", catchupSeconds);
        m.put("warmup_seconds", warmupSeconds);
        m.put("tail_seconds", tailSeconds);
        m.put("msg_size", msgSize);
        m.put("msg_rate", msgRate);
        m.put("processes", processes);
        return m;
    }

    /** The command-line options that give these settings (without {@code --processes}). */
    public List<String> toArgs() {
        return List.of("--nodes=" + nodes, "--chains=" + chains, "--degree=" + degree, "--stripes=" + stripes,
                "--blocks=" + blocks, "--block-size=" + blockSize, "--seconds=" + catchupSeconds,
                "--warmup=" + warmupSeconds, "--tail=" + tailSeconds, "--msg-size=" + msgSize,
                "--msg-rate=" + msgRate);
    }

    private static void range(String option, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(option + " must be in [" + min + ", " + max + "], got " + v);
        }
    }

    private static void seconds(String option, double v, boolean zeroAllowed) {
        if (!Double.isFinite(v) || v < 0 || (!zeroAllowed && v == 0) || v > 86_400) {
            throw new IllegalArgumentException(option + " must be " + (zeroAllowed ? ">= 0" : "> 0")
                    + " and at most 86400 seconds, got " + v);
        }
    }

    public static final class Builder {
        private int nodes = 6;
        private int chains = 100;
        private int degree = 4;
        private int stripes = 2;
        private int blocks = 7000;
        private int blockSize = 4096;
        private double catchupSeconds = 120;
        private double warmupSeconds = 5;
        private double tailSeconds = 3;
        private int msgSize = 128;
        private double msgRate = 5;
        private boolean processes;

        private Builder() {}

        public Builder nodes(int v) { nodes = v; return this; }
        public Builder chains(int v) { chains = v; return this; }
        public Builder degree(int v) { degree = v; return this; }
        public Builder stripes(int v) { stripes = v; return this; }
        public Builder blocks(int v) { blocks = v; return this; }
        public Builder blockSize(int v) { blockSize = v; return this; }
        public Builder catchupSeconds(double v) { catchupSeconds = v; return this; }
        public Builder warmupSeconds(double v) { warmupSeconds = v; return this; }
        public Builder tailSeconds(double v) { tailSeconds = v; return this; }
        public Builder msgSize(int v) { msgSize = v; return this; }
        public Builder msgRate(double v) { msgRate = v; return this; }
        public Builder processes(boolean v) { processes = v; return this; }

        public DemoSettings build() {
            return new DemoSettings(nodes, chains, degree, stripes, blocks, blockSize, catchupSeconds, warmupSeconds,
                    tailSeconds, msgSize, msgRate, processes);
        }
    }
}
