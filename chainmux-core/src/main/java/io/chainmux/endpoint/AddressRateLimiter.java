package io.chainmux.endpoint;

import io.chainmux.mux.RateLimit;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per remote address and per address block (/24 for IPv4, /64 for IPv6), so one
 * host, or one subnet cycling through its addresses, cannot make this node do expensive work (sign
 * an AUTH, run a TLS handshake) or absorb abuse at will. Each bucket holds {@code count} tokens and
 * refills at {@code count} per {@code window}; an event takes one token from both its address's and
 * its block's bucket, or is refused ({@link #tryAcquire}); or events already counted elsewhere are
 * charged to both, and the address is refused while either is spent ({@link #charge}, {@link #allows}). Buckets that have refilled are forgotten when the table grows past
 * {@link #MAX_TRACKED}, so memory stays bounded however many addresses knock. Thread-safe; time is
 * passed in so tests control it.
 */
final class AddressRateLimiter {
    /** Buckets kept before full ones are swept (each is a few dozen bytes). */
    static final int MAX_TRACKED = 65_536;

    private static final class Bucket {
        private final double capacity;
        private final double perNano;
        private double tokens;
        private long last;

        Bucket(RateLimit limit, long now) {
            this.capacity = limit.count();
            this.perNano = limit.count() / (double) limit.window().toNanos();
            this.tokens = capacity;
            this.last = now;
        }

        synchronized boolean take(long now) {
            refill(now);
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }

        synchronized void empty(long now) {
            refill(now);
            tokens = 1 - capacity; // one token back after exactly one window
        }

        /** Takes {@code n} tokens, into debt down to a window's worth: a token again about one window after the last charge. */
        synchronized void charge(long n, long now) {
            refill(now);
            tokens = Math.max(-capacity, tokens - n);
        }

        synchronized boolean hasToken(long now) {
            refill(now);
            return tokens >= 1;
        }

        synchronized void giveBack() {
            tokens = Math.min(capacity, tokens + 1);
        }

        synchronized boolean isFull(long now) {
            refill(now);
            return tokens >= capacity;
        }

        private void refill(long now) {
            if (now > last) {
                tokens = Math.min(capacity, tokens + (now - last) * perNano);
                last = now;
            }
        }
    }

    /** An address or a block, by its bytes (the block's are masked). */
    private record Key(byte[] bytes, boolean block) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && block == k.block && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes) * 31 + (block ? 1 : 0);
        }
    }

    private final RateLimit perAddress;
    private final RateLimit perBlock;
    private final Map<Key, Bucket> buckets = new ConcurrentHashMap<>();

    AddressRateLimiter(RateLimit perAddress, RateLimit perBlock) {
        this.perAddress = perAddress;
        this.perBlock = perBlock;
    }

    /** Takes a token for {@code address} and its block; false (nothing taken) when either is empty. */
    boolean tryAcquire(InetAddress address, long nowNanos) {
        if (buckets.size() >= MAX_TRACKED) {
            sweep(nowNanos);
        }
        byte[] bytes = address.getAddress();
        Bucket one = buckets.computeIfAbsent(new Key(bytes, false), k -> new Bucket(perAddress, nowNanos));
        if (!one.take(nowNanos)) {
            return false;
        }
        Bucket many = buckets.computeIfAbsent(blockKey(address), k -> new Bucket(perBlock, nowNanos));
        if (!many.take(nowNanos)) {
            one.giveBack(); // refused: the address's own budget is not charged for its neighbours
            return false;
        }
        return true;
    }

    /**
     * Takes {@code n} tokens from the address's and its block's buckets, whatever they hold: they
     * may go into debt, down to a window's worth (counts of what already happened, not requests).
     */
    void charge(InetAddress address, long n, long nowNanos) {
        if (buckets.size() >= MAX_TRACKED) {
            sweep(nowNanos);
        }
        byte[] bytes = address.getAddress();
        buckets.computeIfAbsent(new Key(bytes, false), k -> new Bucket(perAddress, nowNanos)).charge(n, nowNanos);
        buckets.computeIfAbsent(blockKey(address), k -> new Bucket(perBlock, nowNanos)).charge(n, nowNanos);
    }

    /** Whether both the address's and its block's buckets hold a token (none is taken). */
    boolean allows(InetAddress address, long nowNanos) {
        Bucket one = buckets.get(new Key(address.getAddress(), false));
        Bucket many = buckets.get(blockKey(address));
        return (one == null || one.hasToken(nowNanos)) && (many == null || many.hasToken(nowNanos));
    }

    private static Key blockKey(InetAddress address) {
        return new Key(Arrays.copyOf(address.getAddress(), address instanceof Inet4Address ? 3 : 8), true);
    }

    /**
     * Drains the address's bucket to a full window's debt: its next connection waits one whole
     * window. For an address whose connection broke a budget or the protocol, so a peer that redials
     * (with a fresh identity, which costs nothing) gets a connection's worth of abuse at most once
     * per window.
     */
    void penalize(InetAddress address, long nowNanos) {
        buckets.computeIfAbsent(new Key(address.getAddress(), false), k -> new Bucket(perAddress, nowNanos))
                .empty(nowNanos);
    }

    /** Forgets buckets that have refilled: they behave exactly like new ones. */
    void sweep(long nowNanos) {
        buckets.values().removeIf(b -> b.isFull(nowNanos));
    }

    int tracked() {
        return buckets.size();
    }
}
