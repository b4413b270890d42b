package io.chainmux.mux;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class NetworkCountsTest {
    @Test
    void countsLikeAMapThroughGrowthAndRemovals() {
        NetworkCounts counts = new NetworkCounts();
        Map<String, Integer> expected = new HashMap<>();
        Random random = new Random(42);
        // "Aa" and "BB" share a hash code, so chains of equal homes are exercised, not only spread keys
        String[] keys = new String[300];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = (i % 3 == 0 ? "Aa" : i % 3 == 1 ? "BB" : "net-") + i / 3;
        }
        for (int op = 0; op < 200_000; op++) {
            String key = keys[random.nextInt(op < 100_000 ? keys.length : 40)]; // then shrink to a few keys
            int delta = random.nextInt(10) < 6 ? 1 : -1;
            counts.add(key, delta);
            int n = expected.getOrDefault(key, 0) + delta;
            if (n <= 0) {
                expected.remove(key);
            } else {
                expected.put(key, n);
            }
            if (op % 1000 == 0) {
                for (String k : keys) {
                    assertThat(counts.get(k)).as("count of %s after %d operations", k, op)
                            .isEqualTo(expected.getOrDefault(k, 0));
                }
                assertThat(counts.size()).isEqualTo(expected.size());
            }
        }
        for (String k : keys) {
            assertThat(counts.get(k)).isEqualTo(expected.getOrDefault(k, 0));
        }
    }

    @Test
    void networksOfOneStreamEachAreCountedByTheirKeyAlone() {
        NetworkCounts counts = new NetworkCounts();
        for (int i = 0; i < 500; i++) {
            counts.add("chain-" + i, 1);
        }
        assertThat(counts.networksAboveOne()).as("one stream per network, as at 1000 networks").isZero();
        counts.add("chain-7", 1);
        assertThat(counts.get("chain-7")).isEqualTo(2);
        assertThat(counts.networksAboveOne()).isEqualTo(1);
        counts.add("chain-7", -1);
        assertThat(counts.get("chain-7")).isEqualTo(1);
        assertThat(counts.networksAboveOne()).isZero();
        counts.add("other", 3);
        counts.add("other", -3);
        assertThat(counts.get("other")).isZero();
        assertThat(counts.size()).isEqualTo(500);
        assertThat(counts.networksAboveOne()).isZero();
    }

    @Test
    void aCountThatReachesZeroIsGoneAndANegativeDeltaOnAnAbsentKeyAddsNothing() {
        NetworkCounts counts = new NetworkCounts();
        counts.add("a", -1);
        assertThat(counts.size()).isZero();
        counts.add("a", 2);
        counts.add("a", -2);
        assertThat(counts.get("a")).isZero();
        assertThat(counts.size()).isZero();
    }
}
