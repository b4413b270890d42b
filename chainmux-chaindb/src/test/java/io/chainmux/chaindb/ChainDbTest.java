package io.chainmux.chaindb;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChainDbTest {
    private static final ChainDbConfig CONFIG = ChainDbConfig.builder().payloadSize(64).maxPayloadSize(1024)
            .maxBatchBytes(64 * 1024).maxInFlightBytes(256 * 1024).build();

    @Test
    void blockHashIsSha256OverTheDocumentedLayout() throws Exception {
        byte[] parent = new byte[32];
        parent[31] = 7;
        byte[] payload = "hello".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer pre = ByteBuffer.allocate(8 + 32 + 4 + payload.length);
        pre.putLong(42).put(parent).putInt(payload.length).put(payload);
        byte[] expected = MessageDigest.getInstance("SHA-256").digest(pre.array());

        Block b = Block.create(42, parent, payload);
        assertThat(b.hash()).isEqualTo(expected);
        assertThat(b.hasValidHash()).isTrue();
        assertThat(Block.of(42, parent, payload, new byte[32]).hasValidHash()).isFalse();
    }

    @Test
    void genesisIsDeterministicPerChainAndDiffersBetweenChains() {
        ChainDb a = new ChainDb("chain-1", CONFIG);
        ChainDb b = new ChainDb("chain-1", CONFIG);
        ChainDb c = new ChainDb("chain-2", CONFIG);
        assertThat(a.height()).isZero();
        assertThat(a.tipHash()).isEqualTo(b.tipHash()).isNotEqualTo(c.tipHash());
        Block g = a.block(0);
        assertThat(g.parentHash()).isEqualTo(new byte[32]);
        assertThat(new String(g.payload(), StandardCharsets.US_ASCII)).isEqualTo("chainmux-genesis-v1:chain-1");
        assertThat(g).isEqualTo(ChainDb.genesis("chain-1"));
        assertThatThrownBy(() -> new ChainDb("bad chain", CONFIG)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad chain");
    }

    @Test
    void producersOfOneChainMakeIdenticalBlocksWhateverTheSteps() {
        ChainDb a = new ChainDb("c", CONFIG);
        ChainDb b = new ChainDb("c", CONFIG);
        assertThat(a.produce(30, 100)).isEqualTo(30);
        b.produce(7, 100);
        b.produce(23, 100);
        assertThat(b.tipHash()).isEqualTo(a.tipHash());
        assertThat(a.block(17)).isEqualTo(b.block(17));
        assertThat(a.block(5).payloadSize()).isEqualTo(100);
        assertThat(new ChainDb("other", CONFIG).produce(30, 100)).isEqualTo(30);
        // A different payload size is a different chain from height 1 on (documented: one size per chain).
        ChainDb c = new ChainDb("c", CONFIG);
        c.produce(1, 99);
        assertThat(c.tipHash()).isNotEqualTo(a.hashAt(1));
    }

    @Test
    void canonicalPayloadIsTheDocumentedSplitMix64Stream() {
        ChainDb db = new ChainDb("c", CONFIG);
        byte[] g = ChainDb.genesis("c").hash();
        long seed = ByteBuffer.wrap(g).getLong() ^ (5 * 0x9E3779B97F4A7C15L);
        ByteBuffer expected = ByteBuffer.allocate(16);
        for (int i = 0; i < 2; i++) {
            seed += 0x9E3779B97F4A7C15L;
            long z = seed;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            expected.putLong(z ^ (z >>> 31));
        }
        assertThat(db.canonicalPayload(5, 12)).isEqualTo(java.util.Arrays.copyOf(expected.array(), 12));
    }

    @Test
    void appendChecksHashParentHeightSizeAndAcceptsDuplicates() {
        ChainDb src = new ChainDb("c", CONFIG);
        src.produce(3, 10);
        ChainDb db = new ChainDb("c", CONFIG);

        Block b1 = src.block(1);
        Block badHash = Block.of(1, b1.parentHash(), b1.payload(), src.block(2).hash());
        assertReason(() -> db.append(badHash), InvalidBlockException.Reason.BAD_HASH);
        Block wrongParent = Block.create(1, new byte[32], b1.payload());
        assertReason(() -> db.append(wrongParent), InvalidBlockException.Reason.WRONG_PARENT);
        assertReason(() -> db.append(src.block(2)), InvalidBlockException.Reason.NOT_NEXT);
        Block big = Block.create(1, db.tipHash(), new byte[CONFIG.maxPayloadSize() + 1]);
        assertReason(() -> db.append(big), InvalidBlockException.Reason.PAYLOAD_TOO_LARGE);
        assertThat(db.height()).as("nothing stored by refused appends").isZero();

        assertThat(db.append(b1)).isEqualTo(ChainDb.AppendResult.APPENDED);
        assertThat(db.append(b1)).isEqualTo(ChainDb.AppendResult.DUPLICATE);
        assertThat(db.append(ChainDb.genesis("c"))).isEqualTo(ChainDb.AppendResult.DUPLICATE);
        Block fork = Block.create(1, ChainDb.genesis("c").hash(), new byte[] {1, 2, 3});
        assertReason(() -> db.append(fork), InvalidBlockException.Reason.CONFLICT);
        assertThat(db.height()).isEqualTo(1);
        assertThat(db.block(1)).isEqualTo(b1);
    }

    @Test
    void readsAreBoundedByTheTip() {
        ChainDb db = new ChainDb("c", CONFIG);
        db.produce(2500, 8); // crosses segment boundaries (1024 blocks each)
        List<Block> bs = db.blocks(1020, 10);
        assertThat(bs).extracting(Block::height).containsExactly(1020L, 1021L, 1022L, 1023L, 1024L, 1025L, 1026L,
                1027L, 1028L, 1029L);
        assertThat(bs.get(4).parentHash()).isEqualTo(db.hashAt(1023));
        assertThat(db.blocks(2495, 100)).hasSize(6);
        assertThat(db.blocks(2501, 1)).isEmpty();
        assertThat(db.blocks(0, 0)).isEmpty();
        assertThatThrownBy(() -> db.block(2501)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("2501");
        assertThatThrownBy(() -> db.hashAt(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> db.blocks(-1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> db.produce(1, CONFIG.maxPayloadSize() + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void blocksAppendedOneByOneReadBackAcrossEverySegmentGrowth() {
        // A segment starts small and doubles as the chain grows: every block stays readable across the copies.
        ChainDb src = new ChainDb("g", CONFIG.toBuilder().compactCanonicalPayloads(false).build());
        src.produce(1100, 5);
        ChainDb db = new ChainDb("g", CONFIG);
        List<Block> before = new java.util.ArrayList<>();
        for (long h = 1; h <= 1100; h++) {
            db.append(src.block(h));
            if (Long.bitCount(h) == 1 || Long.bitCount(h + 1) == 1) { // 2^k - 1 and 2^k: either side of a growth
                before.add(db.block(h / 2)); // an older block, read through the grown segment
                assertThat(db.block(h)).isEqualTo(src.block(h));
            }
        }
        assertThat(db.blocks(0, 1101)).isEqualTo(src.blocks(0, 1101));
        assertThat(before).allSatisfy(b -> assertThat(b).isEqualTo(src.block(b.height())));
        assertThat(db.verifyAll().valid()).isTrue();
    }

    @Test
    void canonicalPayloadsAreStoredAsTheirSizeAndReadBackIdentically() {
        ChainDb db = new ChainDb("c", CONFIG);
        db.produce(3, 20);
        ChainDb plain = new ChainDb("c", CONFIG.toBuilder().compactCanonicalPayloads(false).build());
        plain.produce(3, 20);
        assertThat(db.storedCompact(2)).isTrue();
        assertThat(plain.storedCompact(2)).isFalse();
        assertThat(db.blocks(0, 4)).isEqualTo(plain.blocks(0, 4));
        assertThat(db.block(2).payload()).isEqualTo(db.canonicalPayload(2, 20));

        // Synced blocks: canonical ones are compacted too, any other payload is stored as received.
        ChainDb synced = new ChainDb("c", CONFIG);
        synced.append(plain.block(1));
        Block custom = Block.create(2, synced.tipHash(), new byte[] {9, 9, 9});
        synced.append(custom);
        assertThat(synced.storedCompact(1)).isTrue();
        assertThat(synced.storedCompact(2)).isFalse();
        assertThat(synced.block(2)).isEqualTo(custom);
        assertThat(synced.verifyAll().valid()).isTrue();

        // Every payload size (word tails included) encodes the same from either representation.
        for (int size = 0; size <= 17; size++) {
            ChainDb a = new ChainDb("s" + size, CONFIG);
            a.produce(2, size);
            byte[] viaRef = a.payloadRef(2);
            io.netty.buffer.ByteBuf out = io.netty.buffer.Unpooled.buffer();
            try {
                a.writePayload(2, out);
                byte[] written = new byte[out.readableBytes()];
                out.readBytes(written);
                assertThat(written).as("size %d", size).isEqualTo(viaRef).isEqualTo(a.canonicalPayload(2, size));
                assertThat(a.payloadSize(2)).isEqualTo(size);
            } finally {
                out.release();
            }
        }
    }

    @Test
    void verifyAllRechecksEveryLink() {
        ChainDb db = new ChainDb("c", CONFIG.toBuilder().compactCanonicalPayloads(false).build());
        assertThat(db.verifyAll()).isEqualTo(new ChainDb.Verification(true, 1, -1, ""));
        db.produce(2100, 33);
        ChainDb.Verification v = db.verifyAll();
        assertThat(v.valid()).isTrue();
        assertThat(v.blocksChecked()).isEqualTo(2101);
        // Corrupt a stored payload behind the API's back: verifyAll must notice.
        db.payloadRef(1500)[0] ^= 1;
        v = db.verifyAll();
        assertThat(v.valid()).isFalse();
        assertThat(v.firstBadHeight()).isEqualTo(1500);
        assertThat(v.problem()).contains("block 1500");
    }

    @Test
    void configIsValidatedWithClearMessages() {
        assertThat(ChainDbConfig.defaults().maxFetchersPerChain()).isEqualTo(1);
        assertThatThrownBy(() -> ChainDbConfig.builder().payloadSize(100).maxPayloadSize(50).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ChainDbConfig.payloadSize");
        assertThatThrownBy(() -> ChainDbConfig.builder().maxBatchBytes(1000).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ChainDbConfig.maxBatchBytes")
                .hasMessageContaining("one block of maxPayloadSize");
        assertThatThrownBy(() -> ChainDbConfig.builder().maxInFlightBytes(1000).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxInFlightBytes");
        assertThatThrownBy(() -> ChainDbConfig.builder().batchBlocks(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batchBlocks");
        assertThatThrownBy(() -> ChainDbConfig.builder().maxFetchersPerChain(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxFetchersPerChain");
        ChainDbConfig c = CONFIG.toBuilder().batchBlocks(7).build();
        assertThat(c.batchBlocks()).isEqualTo(7);
        assertThat(c.maxBatchBytes()).isEqualTo(CONFIG.maxBatchBytes());
    }

    private static void assertReason(Runnable r, InvalidBlockException.Reason reason) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(InvalidBlockException.class,
                e -> assertThat(e.reason()).isEqualTo(reason)).hasMessageContaining("chain c");
    }

    @Test
    void heightWatchesFireOnceWhenTheChainGrowsAndClosedOnesAreDropped() {
        ChainDb db = new ChainDb("w");
        db.produce(3, 10);
        java.util.concurrent.atomic.AtomicInteger now = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger later = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger closed = new java.util.concurrent.atomic.AtomicInteger();
        db.watchAbove(2, now::incrementAndGet);
        assertThat(now.get()).as("already above: at once").isEqualTo(1);
        db.watchAbove(4, later::incrementAndGet);
        db.watchAbove(3, closed::incrementAndGet).close();
        assertThat(db.heightWatches()).isEqualTo(1);
        db.produce(1, 10);
        assertThat(later.get()).as("4 is not above 4").isZero();
        db.produce(2, 10);
        assertThat(later.get()).isEqualTo(1);
        assertThat(closed.get()).isZero();
        assertThat(now.get()).isEqualTo(1);
        assertThat(db.heightWatches()).isZero();
    }
}
