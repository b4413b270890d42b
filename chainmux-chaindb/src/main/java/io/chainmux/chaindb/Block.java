package io.chainmux.chaindb;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One block of a chain: height, parent hash, payload and hash. Immutable (accessors return copies).
 *
 * <p>Hash (docs/CHAINDB-SYNC.md section 1): {@code SHA-256(height u64 BE | parent hash (32) |
 * payload length u32 BE | payload)}. A block made by {@link #of} carries a <em>claimed</em> hash, as
 * received from a peer; {@link #hasValidHash()} checks it, and {@link ChainDb#append} refuses a block
 * whose claim is false.
 */
public final class Block {
    public static final int HASH_SIZE = 32;

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    });

    private final long height;
    private final byte[] parentHash;
    private final byte[] payload;
    private final byte[] hash;

    /** No copies: the caller hands over arrays nobody else holds. */
    Block(long height, byte[] parentHash, byte[] payload, byte[] hash) {
        if (height < 0) {
            throw new IllegalArgumentException("block height must be >= 0, was " + height);
        }
        checkHash(parentHash, "parent hash");
        checkHash(hash, "hash");
        this.height = height;
        this.parentHash = parentHash;
        this.payload = Objects.requireNonNull(payload, "payload");
        this.hash = hash;
    }

    /** A block on top of {@code parentHash}, with its hash computed. */
    public static Block create(long height, byte[] parentHash, byte[] payload) {
        checkHash(parentHash, "parent hash");
        Objects.requireNonNull(payload, "payload");
        return new Block(height, parentHash.clone(), payload.clone(), computeHash(height, parentHash, payload));
    }

    /** A block with a claimed hash (not verified here). */
    public static Block of(long height, byte[] parentHash, byte[] payload, byte[] hash) {
        checkHash(parentHash, "parent hash");
        checkHash(hash, "hash");
        Objects.requireNonNull(payload, "payload");
        return new Block(height, parentHash.clone(), payload.clone(), hash.clone());
    }

    /** The block hash: {@code SHA-256(height u64 BE | parent (32) | payload length u32 BE | payload)}. */
    public static byte[] computeHash(long height, byte[] parentHash, byte[] payload) {
        MessageDigest md = SHA256.get();
        md.reset();
        byte[] head = new byte[8];
        for (int i = 0; i < 8; i++) {
            head[i] = (byte) (height >>> (56 - 8 * i));
        }
        md.update(head);
        md.update(parentHash, 0, HASH_SIZE);
        int n = payload.length;
        md.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        md.update(payload);
        return md.digest();
    }

    public long height() {
        return height;
    }

    public byte[] parentHash() {
        return parentHash.clone();
    }

    public byte[] payload() {
        return payload.clone();
    }

    public int payloadSize() {
        return payload.length;
    }

    public byte[] hash() {
        return hash.clone();
    }

    public String hashHex() {
        return HexFormat.of().formatHex(hash);
    }

    /** Whether the hash is the one the height, parent and payload give. */
    public boolean hasValidHash() {
        return MessageDigest.isEqual(hash, computeHash(height, parentHash, payload));
    }

    byte[] parentHashRef() {
        return parentHash;
    }

    byte[] payloadRef() {
        return payload;
    }

    byte[] hashRef() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Block b && b.height == height && Arrays.equals(b.hash, hash)
                && Arrays.equals(b.parentHash, parentHash) && Arrays.equals(b.payload, payload);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(height) * 31 + Arrays.hashCode(hash);
    }

    @Override
    public String toString() {
        return "Block[height=" + height + ", hash=" + hashHex().substring(0, 16) + "..., payload="
                + payload.length + " B]";
    }

    private static void checkHash(byte[] h, String what) {
        Objects.requireNonNull(h, what);
        if (h.length != HASH_SIZE) {
            throw new IllegalArgumentException(what + " must have " + HASH_SIZE + " bytes, had " + h.length);
        }
    }
}
