package io.chainmux.bench.sim;

import org.junit.jupiter.api.Test;

import java.util.BitSet;

import static org.assertj.core.api.Assertions.assertThat;

class PermutationTest {
    @Test
    void visitsEveryIndexOnce() {
        for (long size : new long[] {1, 2, 3, 17, 1000, 4097}) {
            Permutation p = new Permutation(size, size * 31);
            BitSet seen = new BitSet();
            for (long i = 0; i < size; i++) {
                long x = p.at(i);
                assertThat(x).isBetween(0L, size - 1);
                assertThat(seen.get((int) x)).as("size %d, index %d", size, i).isFalse();
                seen.set((int) x);
            }
            assertThat(seen.cardinality()).isEqualTo((int) size);
        }
    }

    @Test
    void differsBySeedAndIsNotTheIdentity() {
        Permutation a = new Permutation(1000, 1);
        Permutation b = new Permutation(1000, 2);
        int same = 0;
        int fixed = 0;
        for (long i = 0; i < 1000; i++) {
            same += a.at(i) == b.at(i) ? 1 : 0;
            fixed += a.at(i) == i ? 1 : 0;
        }
        assertThat(same).isLessThan(50);
        assertThat(fixed).isLessThan(50);
    }
}
