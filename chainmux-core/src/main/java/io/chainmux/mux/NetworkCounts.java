package io.chainmux.mux;

/**
 * Streams per network on one connection: an open-addressed table of the networks with a stream
 * (linear probing, backward-shift deletion, at most 3/4 full), each counting one, and beside it, made
 * on first use, a table of the same kind from network id to count for what lies above one. At 1000
 * networks a connection holds about one stream per network, so the first table is an entry per
 * stream: one reference a slot (~8 bytes a stream), where keys and counts together cost ~16 and a
 * {@code HashMap} node and its table slot ~40; the second holds the few networks with more.
 * Event-loop confined.
 */
final class NetworkCounts {
    private String[] keys = new String[16];
    /** Each key's count in the table of counts above one; null in the table of networks, where each key counts one. */
    private int[] counts;
    private int size;
    /** Counts above one (count - 1) of the networks with more than one stream; null until there is one. */
    private NetworkCounts above;

    /** The table of counts above one. */
    private static NetworkCounts countTable() {
        NetworkCounts t = new NetworkCounts();
        t.counts = new int[t.keys.length];
        return t;
    }

    /** Streams counted for {@code networkId}, 0 if none. */
    int get(String networkId) {
        int i = indexOf(networkId);
        if (i < 0) {
            return 0;
        }
        return counts != null ? counts[i] : present(networkId);
    }

    /** The count of a network the table of networks holds: one, plus what the table above holds. */
    private int present(String networkId) {
        return above == null ? 1 : 1 + above.get(networkId);
    }

    /** The slot of {@code networkId}, or -1. */
    private int indexOf(String networkId) {
        int mask = keys.length - 1;
        for (int i = home(networkId, mask); ; i = (i + 1) & mask) {
            String k = keys[i];
            if (k == null) {
                return -1;
            }
            if (k.equals(networkId)) {
                return i;
            }
        }
    }

    /** Adds {@code delta} to the count of {@code networkId}; a count that reaches 0 (or below) is removed. */
    void add(String networkId, int delta) {
        int mask = keys.length - 1;
        int i = home(networkId, mask);
        for (String k; (k = keys[i]) != null; i = (i + 1) & mask) {
            if (k.equals(networkId)) {
                if (counts == null) {
                    int n = present(networkId);
                    if (n + delta <= 0) {
                        remove(i);
                        addAbove(networkId, 1 - n);
                    } else {
                        addAbove(networkId, delta);
                    }
                    return;
                }
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
        if (counts != null) {
            counts[i] = delta;
        } else if (delta > 1) {
            addAbove(networkId, delta - 1);
        }
        if (++size * 4L > keys.length * 3L) {
            resize(keys.length * 2);
        }
    }

    private void addAbove(String networkId, int delta) {
        if (above == null) {
            if (delta <= 0) {
                return;
            }
            above = countTable();
        }
        above.add(networkId, delta);
    }

    /** Networks with at least one stream. */
    int size() {
        return size;
    }

    /** Networks counted above one (those a slot of the first table does not count whole). */
    int networksAboveOne() {
        return above == null ? 0 : above.size();
    }

    private static int home(String key, int mask) {
        int h = key.hashCode();
        return (h ^ (h >>> 16)) & mask;
    }

    /** Empties slot {@code i}, then moves back each following entry whose home slot allows it (no tombstones). */
    private void remove(int i) {
        int mask = keys.length - 1;
        keys[i] = null;
        if (counts != null) {
            counts[i] = 0;
        }
        size--;
        for (int j = (i + 1) & mask; keys[j] != null; j = (j + 1) & mask) {
            // the entry at j may fill the hole at i unless its home lies cyclically in (i, j]
            if (((j - home(keys[j], mask)) & mask) >= ((j - i) & mask)) {
                keys[i] = keys[j];
                keys[j] = null;
                if (counts != null) {
                    counts[i] = counts[j];
                    counts[j] = 0;
                }
                i = j;
            }
        }
    }

    private void resize(int length) {
        String[] oldKeys = keys;
        int[] oldCounts = counts;
        keys = new String[length];
        counts = oldCounts == null ? null : new int[length];
        int mask = length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            String k = oldKeys[j];
            if (k != null) {
                int i = home(k, mask);
                while (keys[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = k;
                if (oldCounts != null) {
                    counts[i] = oldCounts[j];
                }
            }
        }
    }
}
