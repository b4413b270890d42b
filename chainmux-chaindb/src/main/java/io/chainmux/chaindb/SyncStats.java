package io.chainmux.chaindb;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sync counters of one chain on one node, for the demo and metrics. Thread-safe; every session of the
 * chain adds to the same instance ({@link ChainDb#stats()}).
 */
public final class SyncStats {
    private final InstantSource clock;
    private final LongAdder blocksSynced = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder blocksRejected = new LongAdder();
    private final LongAdder duplicateBlocks = new LongAdder();
    private final LongAdder blocksServed = new LongAdder();
    private final LongAdder bytesServed = new LongAdder();
    private final LongAdder misbehavingPeers = new LongAdder();
    private final AtomicReference<Instant> firstAppend = new AtomicReference<>();
    private final AtomicReference<Instant> lastAppend = new AtomicReference<>();

    SyncStats(InstantSource clock) {
        this.clock = clock;
    }

    /** A batch of {@code appended} blocks (> 0) was appended by a sync: stamps first/last append. */
    void synced(int appended) {
        blocksSynced.add(appended);
        Instant now = clock.instant();
        firstAppend.compareAndSet(null, now);
        lastAppend.set(now);
    }

    void received(int bytes) {
        bytesReceived.add(bytes);
    }

    void rejected(int blocks) {
        blocksRejected.add(blocks);
    }

    void duplicates(int blocks) {
        duplicateBlocks.add(blocks);
    }

    void served(int blocks, int bytes) {
        blocksServed.add(blocks);
        bytesServed.add(bytes);
    }

    void misbehaved() {
        misbehavingPeers.increment();
    }

    public Snapshot snapshot() {
        return new Snapshot(blocksSynced.sum(), bytesReceived.sum(), blocksRejected.sum(), duplicateBlocks.sum(),
                blocksServed.sum(), bytesServed.sum(), misbehavingPeers.sum(), firstAppend.get(), lastAppend.get());
    }

    /**
     * Counters at one moment.
     *
     * @param blocksSynced     blocks appended from peers (not produced locally)
     * @param bytesReceived    bytes of sync responses received (all messages, wasted ones too)
     * @param blocksRejected   blocks refused: bad hash, wrong parent, conflicting, or after one of those in
     *                         the same response
     * @param duplicateBlocks  blocks received that were already stored (identical)
     * @param blocksServed     blocks this node sent to peers
     * @param bytesServed      bytes of BLOCKS messages this node sent
     * @param misbehavingPeers sessions that ended with the peer blamed (either side)
     * @param firstAppend      when a sync first appended a block, null if never
     * @param lastAppend       when a sync last appended a block, null if never
     */
    public record Snapshot(long blocksSynced, long bytesReceived, long blocksRejected, long duplicateBlocks,
                           long blocksServed, long bytesServed, long misbehavingPeers, Instant firstAppend,
                           Instant lastAppend) {
        /** From the first to the last synced append; zero if nothing was synced. */
        public Duration catchup() {
            return firstAppend == null ? Duration.ZERO : Duration.between(firstAppend, lastAppend);
        }
    }
}
