package io.chainmux.chaindb;

import io.chainmux.config.ConfigChecks;
/**
 * Limits and tunables of the chain database and its sync sessions. Immutable; every value is
 * validated here. Both sides of a sync normally run the same configuration; a responder enforces its
 * own {@code batchBlocks} and {@code maxBatchBytes} whatever the requester asks.
 *
 * @param payloadSize         payload bytes of blocks this node produces ({@link ChainDb#produce}); also the
 *                            requester's first guess of block size when sizing batches. All producers of a
 *                            chain must use the same value (see {@link ChainDb#produce}).
 * @param maxPayloadSize      largest payload a block may have; larger blocks are rejected on append and
 *                            on decode
 * @param batchBlocks         most blocks one GET_BLOCKS asks for (requester) or is served (responder)
 * @param maxBatchBytes       most bytes of one BLOCKS message, whole message included; must hold at least
 *                            one block of {@code maxPayloadSize}, and must not exceed the max message size
 *                            of the P2P stream that carries the session (default 16 MiB)
 * @param maxInFlightBytes    requester: sum of {@code maxBatchBytes} over requests sent but not yet
 *                            answered (pipelining depth = maxInFlightBytes / maxBatchBytes)
 * @param maxFetchersPerChain sync sessions of one chain that may fetch blocks at once; the others wait for
 *                            one to finish instead of downloading the same blocks again
 * @param compactCanonicalPayloads store a payload equal to the canonical one ({@link ChainDb#canonicalPayload})
 *                            as its size only and regenerate it when read: the demo's chains then cost
 *                            ~40 bytes per block in memory whatever the block size
 */
public record ChainDbConfig(int payloadSize, int maxPayloadSize, int batchBlocks, int maxBatchBytes,
                            long maxInFlightBytes, int maxFetchersPerChain, boolean compactCanonicalPayloads) {
    private static final ConfigChecks CHECK = new ConfigChecks("ChainDbConfig");

    /** Largest BLOCKS message a configuration may allow: the wire's default MAX_MESSAGE_SIZE. */
    public static final int MAX_BATCH_BYTES_LIMIT = 16 * 1024 * 1024;
    /** Largest payload a configuration may allow: one block must fit in a BLOCKS message. */
    public static final int MAX_PAYLOAD_LIMIT = MAX_BATCH_BYTES_LIMIT - SyncCodec.BLOCKS_HEADER_SIZE
            - SyncCodec.BLOCK_OVERHEAD;
    public static final int MAX_BATCH_BLOCKS_LIMIT = 1 << 20;
    public static final long MAX_IN_FLIGHT_LIMIT = 1L << 30;

    public ChainDbConfig {
        CHECK.require(maxPayloadSize >= 0 && maxPayloadSize <= MAX_PAYLOAD_LIMIT, "maxPayloadSize", maxPayloadSize,
                "in [0, " + MAX_PAYLOAD_LIMIT + "]");
        CHECK.require(payloadSize >= 0 && payloadSize <= maxPayloadSize, "payloadSize", payloadSize,
                "in [0, maxPayloadSize (" + maxPayloadSize + ")]");
        CHECK.require(batchBlocks >= 1 && batchBlocks <= MAX_BATCH_BLOCKS_LIMIT, "batchBlocks", batchBlocks,
                "in [1, " + MAX_BATCH_BLOCKS_LIMIT + "]");
        long oneBlock = SyncCodec.blocksMessageSize(1, maxPayloadSize);
        CHECK.require(maxBatchBytes >= oneBlock && maxBatchBytes <= MAX_BATCH_BYTES_LIMIT, "maxBatchBytes",
                maxBatchBytes, "in [" + oneBlock + " (one block of maxPayloadSize), " + MAX_BATCH_BYTES_LIMIT + "]");
        CHECK.require(maxInFlightBytes >= maxBatchBytes && maxInFlightBytes <= MAX_IN_FLIGHT_LIMIT, "maxInFlightBytes",
                maxInFlightBytes, "in [maxBatchBytes (" + maxBatchBytes + "), " + MAX_IN_FLIGHT_LIMIT + "]");
        CHECK.require(maxFetchersPerChain >= 1, "maxFetchersPerChain", maxFetchersPerChain, ">= 1");
    }

    /**
     * 1 KiB blocks (64 KiB max), batches of up to 512 blocks / 1 MiB, 4 MiB in flight, one fetcher per
     * chain, canonical payloads stored compactly.
     */
    public static ChainDbConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().payloadSize(payloadSize).maxPayloadSize(maxPayloadSize).batchBlocks(batchBlocks)
                .maxBatchBytes(maxBatchBytes).maxInFlightBytes(maxInFlightBytes)
                .maxFetchersPerChain(maxFetchersPerChain).compactCanonicalPayloads(compactCanonicalPayloads);
    }

    /** Starts from the defaults; {@link #build()} validates. */
    public static final class Builder {
        private int payloadSize = 1024;
        private int maxPayloadSize = 64 * 1024;
        private int batchBlocks = 512;
        private int maxBatchBytes = 1024 * 1024;
        private long maxInFlightBytes = 4L * 1024 * 1024;
        private int maxFetchersPerChain = 1;
        private boolean compactCanonicalPayloads = true;

        private Builder() {}

        public Builder payloadSize(int v) { payloadSize = v; return this; }
        public Builder maxPayloadSize(int v) { maxPayloadSize = v; return this; }
        public Builder batchBlocks(int v) { batchBlocks = v; return this; }
        public Builder maxBatchBytes(int v) { maxBatchBytes = v; return this; }
        public Builder maxInFlightBytes(long v) { maxInFlightBytes = v; return this; }
        public Builder maxFetchersPerChain(int v) { maxFetchersPerChain = v; return this; }
        public Builder compactCanonicalPayloads(boolean v) { compactCanonicalPayloads = v; return this; }

        public ChainDbConfig build() {
            return new ChainDbConfig(payloadSize, maxPayloadSize, batchBlocks, maxBatchBytes, maxInFlightBytes,
                    maxFetchersPerChain, compactCanonicalPayloads);
        }
    }

}
