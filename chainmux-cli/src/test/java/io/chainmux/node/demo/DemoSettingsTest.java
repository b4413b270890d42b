package io.chainmux.node.demo;

import io.chainmux.chaindb.ChainDbConfig;
import io.chainmux.chaindb.SyncCodec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DemoSettingsTest {
    @Test
    void defaultsAreTheDocumentedSize() {
        DemoSettings d = DemoSettings.builder().build();
        assertThat(d.nodes()).isEqualTo(6);
        assertThat(d.chains()).isEqualTo(100);
        assertThat(d.degree()).isEqualTo(4);
        assertThat(d.stripes()).isEqualTo(2);
        assertThat(d.lateNode()).isEqualTo(5);
        assertThat(d.processes()).isFalse();
    }

    @Test
    void theSyncInFlightBudgetIsPerNodeNotPerChain() {
        ChainDbConfig many = DemoSettings.builder().chains(100).build().chainDbConfig();
        assertThat(many.maxBatchBytes()).isEqualTo(DemoSettings.SYNC_BATCH_BYTES);
        assertThat(many.maxInFlightBytes()).as("16 MiB / 100 chains, at least one batch").isEqualTo(many.maxBatchBytes());

        ChainDbConfig few = DemoSettings.builder().chains(2).degree(1).nodes(2).build().chainDbConfig();
        assertThat(few.maxInFlightBytes()).as("at most four batches").isEqualTo(4L * few.maxBatchBytes());

        ChainDbConfig big = DemoSettings.builder().blockSize(1 << 20).build().chainDbConfig();
        assertThat(big.maxBatchBytes()).as("one block per batch")
                .isEqualTo(SyncCodec.BLOCKS_HEADER_SIZE + SyncCodec.BLOCK_OVERHEAD + (1 << 20));
        assertThat(big.payloadSize()).isEqualTo(1 << 20);
    }

    @Test
    void argumentsCarryEverySettingButProcesses() {
        DemoSettings s = DemoSettings.builder().nodes(3).chains(7).degree(2).stripes(3).blocks(11).blockSize(99)
                .catchupSeconds(12.5).warmupSeconds(0.5).tailSeconds(0).msgSize(40).msgRate(2.5).build();
        assertThat(s.toArgs()).containsExactly("--nodes=3", "--chains=7", "--degree=2", "--stripes=3", "--blocks=11",
                "--block-size=99", "--seconds=12.5", "--warmup=0.5", "--tail=0.0", "--msg-size=40", "--msg-rate=2.5");
    }

    @Test
    void tooMuchWorkPerNodeIsRefused() {
        assertThatThrownBy(() -> DemoSettings.builder().chains(10_000).blocks(100_000).build())
                .hasMessage("--chains x --blocks must be at most 100000000 blocks per node, got 1000000000");
    }
}
