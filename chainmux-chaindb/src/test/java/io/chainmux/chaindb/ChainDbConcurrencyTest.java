package io.chainmux.chaindb;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** Lock-free readers against appends, and producers racing on one chain. */
class ChainDbConcurrencyTest {
    private static final ChainDbConfig CFG = ChainDbConfig.builder().payloadSize(64).maxPayloadSize(1024)
            .maxBatchBytes(64 * 1024).maxInFlightBytes(64 * 1024).build();
    private static final long TIMEOUT_SECONDS = 30;

    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void readersSeeAConsistentPrefixWhileBlocksAreAppended() throws Exception {
        ChainDb source = new ChainDb("c", CFG);
        source.produce(5000, 64);
        List<Block> blocks = source.blocks(1, 5000);
        ChainDb db = new ChainDb("c", CFG);
        AtomicBoolean writing = new AtomicBoolean(true);

        Future<?> writer = pool.submit(() -> {
            try {
                for (Block b : blocks) {
                    db.append(b);
                }
            } finally {
                writing.set(false);
            }
        });
        List<Future<Long>> readers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Random r = new Random(t);
            readers.add(pool.submit(() -> {
                long checks = 0;
                // Bounded: at most 200,000 reads, and stops soon after the writer is done.
                for (int i = 0; i < 200_000 && (writing.get() || i < 2_000); i++) {
                    long top = db.height();
                    long h = r.nextInt((int) top + 1);
                    Block b = db.block(h);
                    assertThat(b.height()).isEqualTo(h);
                    assertThat(b.hasValidHash()).as("block %d", h).isTrue();
                    if (h > 0) {
                        assertThat(b.parentHash()).isEqualTo(db.hashAt(h - 1));
                    }
                    List<Block> run = db.blocks(h, 8);
                    assertThat(run).isNotEmpty().hasSizeLessThanOrEqualTo(8);
                    assertThat(run.get(0)).isEqualTo(b);
                    for (int k = 1; k < run.size(); k++) {
                        assertThat(run.get(k).parentHash()).isEqualTo(run.get(k - 1).hash());
                    }
                    checks++;
                }
                return checks;
            }));
        }

        writer.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        for (Future<Long> r : readers) {
            assertThat(r.get(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isPositive();
        }
        assertThat(db.height()).isEqualTo(5000);
        assertThat(db.tipHash()).isEqualTo(source.tipHash());
        assertThat(db.verifyAll().valid()).isTrue();
    }

    /** Canonical content makes concurrent producers (and syncs) of one chain agree instead of forking. */
    @Test
    void concurrentProducersOfOneChainNeverFork() throws Exception {
        ChainDb db = new ChainDb("c", CFG);
        List<Future<?>> producers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            producers.add(pool.submit(() -> {
                for (int round = 0; round < 50; round++) {
                    db.produce(20, 64);
                }
            }));
        }
        for (Future<?> p : producers) {
            p.get(TIMEOUT_SECONDS, TimeUnit.SECONDS); // an InvalidBlockException (fork) would surface here
        }
        assertThat(db.height()).isBetween(1000L, 4000L);
        assertThat(db.verifyAll().valid()).isTrue();
        ChainDb alone = new ChainDb("c", CFG);
        alone.produce((int) db.height(), 64);
        assertThat(db.tipHash()).isEqualTo(alone.tipHash());
    }
}
