package io.chainmux.bench.sim;

/**
 * A random permutation of [0, size) computed on the fly (a 4-round Feistel network on the next power of
 * two, cycle-walking past size), so 80 million slots can be visited in random order without an index array.
 */
final class Permutation {
    private final long size;
    private final int halfBits;
    private final long halfMask;
    private final long[] keys = new long[4];

    Permutation(long size, long seed) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be >= 1, was " + size);
        }
        this.size = size;
        int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(size - 1));
        bits += bits & 1;
        this.halfBits = bits / 2;
        this.halfMask = (1L << halfBits) - 1;
        long s = seed;
        for (int i = 0; i < keys.length; i++) {
            s = mix(s + 0x9E3779B97F4A7C15L);
            keys[i] = s;
        }
    }

    long size() {
        return size;
    }

    /** The i-th element of the permutation. */
    long at(long i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i);
        }
        long x = i;
        do {
            x = encrypt(x);
        } while (x >= size);
        return x;
    }

    private long encrypt(long x) {
        long left = x >>> halfBits;
        long right = x & halfMask;
        for (long k : keys) {
            long next = left ^ (mix(right ^ k) & halfMask);
            left = right;
            right = next;
        }
        return (left << halfBits) | right;
    }

    /** SplitMix64's finalizer. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
