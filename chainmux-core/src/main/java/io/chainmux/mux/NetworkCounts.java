package io.chainmux.mux;

/**
 * Streams per network on one connection: an open-addressed table from network id to count (linear
 * probing, backward-shift deletion, at most 3/4 full). At 1000 networks a connection holds about one
 * stream per network, so this is an entry per stream: ~16 bytes here where a {@code HashMap} node and
 * its table slot cost ~40. Event-loop confined.
 */
final class NetworkCounts {
    private String[] keys = new String[16];
    private int[] counts = new int[16];
    private int size;

    /** Streams counted for {@code networkId}, 0 if none. */
    int get(String networkId) {
        int mask = keys.length - 1;
        for (int i = home(networkId, mask); ; i = (i + 1) & mask) {
            String k = keys[i];
            if (k == null) {
                return 0;
            }
            if (k.equals(networkId)) {
                return counts[i];
            }
        }
    }

    /** Adds {@code delta} to the count of {@code networkId}; a count that reaches 0 (or below) is removed. */
    void add(String networkId, int delta) {
        int mask = keys.length - 1;
        int i = home(networkId, mask);
        for (String k; (k = keys[i]) != null; i = (i + 1) & mask) {
            if (k.equals(networkId)) {
                int n = counts[i] + delta;
                if (n <= 0) {
                    remove(i);
                } else {
                    counts[i] = n;
                }
                return;
            }
        }
        if (delta <= 0) {
            return;
        }
        keys[i] = networkId;
        counts[i] = delta;
        if (++size * 4L > keys.length * 3L) {
            resize(keys.length * 2);
        }
    }

    /** Networks with at least one stream. */
    int size() {
        return size;
    }

    private static int home(String key, int mask) {
        int h = key.hashCode();
        return (h ^ (h >>> 16)) & mask;
    }

    /** Empties slot {@code i}, then moves back each following entry whose home slot allows it (no tombstones). */
    private void remove(int i) {
        int mask = keys.length - 1;
        keys[i] = null;
        counts[i] = 0;
        size--;
        for (int j = (i + 1) & mask; keys[j] != null; j = (j + 1) & mask) {
            // the entry at j may fill the hole at i unless its home lies cyclically in (i, j]
            if (((j - home(keys[j], mask)) & mask) >= ((j - i) & mask)) {
                keys[i] = keys[j];
                counts[i] = counts[j];
                keys[j] = null;
                counts[j] = 0;
                i = j;
            }
        }
    }

    private void resize(int length) {
        String[] oldKeys = keys;
        int[] oldCounts = counts;
        keys = new String[length];
        counts = new int[length];
        int mask = length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            String k = oldKeys[j];
            if (k != null) {
                int i = home(k, mask);
                while (keys[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = k;
                counts[i] = oldCounts[j];
            }
        }
    }
}
