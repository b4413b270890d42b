package io.chainmux.chaindb;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * One chain's append-only, hash-linked log of blocks, in memory. Block 0 is the chain's genesis, the
 * same on every node ({@link #genesis}); every later block names its parent's hash and is appended only
 * if that link and its own hash check out.
 *
 * <p>Thread-safe: appends are serialised by a lock; reads take no lock and see every block up to the
 * {@link #height()} they read (the height is published after the block is stored).
 *
 * <p>Memory: per block 32 bytes of hash in a shared segment array and a reference to the payload; the
 * parent hash is not stored (it is the previous block's hash). With
 * {@link ChainDbConfig#compactCanonicalPayloads()} a payload equal to the {@link #canonicalPayload
 * canonical} one (every block of the demo) is stored as its size and regenerated when read, so a
 * chain of such blocks costs about 40 bytes per block whatever the payload size; other payloads are
 * stored as they are.
 */
public final class ChainDb {
    private static final Pattern CHAIN_ID = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final byte[] GENESIS_PARENT = new byte[Block.HASH_SIZE];
    private static final String GENESIS_PREFIX = "chainmux-genesis-v1:";
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private static final int SEGMENT_BITS = 10;
    private static final int SEGMENT_SIZE = 1 << SEGMENT_BITS;
    private static final int SEGMENT_MASK = SEGMENT_SIZE - 1;
    /**
     * Blocks a new segment has room for; it doubles as the chain grows, up to {@link #SEGMENT_SIZE}. A
     * node of 1000 chains starts with 1000 genesis-only chains: full segments were 36 KiB each, 36 MB
     * of heap that every restart allocated and the collector copied while the node caught up.
     */
    private static final int FIRST_CAPACITY = 32;

    /**
     * Blocks [i * SEGMENT_SIZE, i * SEGMENT_SIZE + capacity): hashes back to back; per block its payload
     * (byte[]) or, for a canonical payload, just its size (Integer), regenerated when read. A full
     * segment is replaced by a larger copy; the one it replaces stays valid for every block it holds.
     */
    private static final class Segment {
        final byte[] hashes;
        final Object[] payloads;

        Segment(int capacity) {
            hashes = new byte[capacity * Block.HASH_SIZE];
            payloads = new Object[capacity];
        }

        /**
         * A copy of {@code from} with room for its block {@code i} at least. Copied in the constructor:
         * a reader that meets the copy through a race sees the arrays' contents as of the constructor's
         * end (final-field semantics).
         */
        Segment(Segment from, int i) {
            int capacity = from.payloads.length;
            while (capacity <= i) {
                capacity = Math.min(SEGMENT_SIZE, capacity * 2);
            }
            hashes = Arrays.copyOf(from.hashes, capacity * Block.HASH_SIZE);
            payloads = Arrays.copyOf(from.payloads, capacity);
        }
    }

    /** What {@link #append} did with a valid block. */
    public enum AppendResult {
        APPENDED,
        /** The same block was already stored (another session or the producer was first). */
        DUPLICATE
    }

    /**
     * Result of {@link #verifyAll()}.
     *
     * @param valid          every link checked out
     * @param blocksChecked  blocks whose hash was recomputed, genesis included
     * @param firstBadHeight height of the first broken block, -1 if none
     * @param problem        what was wrong, empty if valid
     */
    public record Verification(boolean valid, long blocksChecked, long firstBadHeight, String problem) {}

    private final String chainId;
    private final int maxPayloadSize;
    private final boolean compact;
    /** Last size marker stored: one shared Integer per run of equal sizes instead of one per block. */
    private Integer lastMarker;
    private final SyncStats stats;
    private final long payloadSeed;
    private final Object appendLock = new Object();
    private final FetchGate fetchGate = new FetchGate();
    private final HeightWatchers watchers = new HeightWatchers(this::height);
    /** Written under appendLock before {@link #height}; read after it. */
    private volatile Segment[] segments = new Segment[16];
    private volatile long height;

    /** A chain with the default configuration's payload limit and the system clock. */
    public ChainDb(String chainId) {
        this(chainId, ChainDbConfig.defaults());
    }

    public ChainDb(String chainId, ChainDbConfig config) {
        this(chainId, config, InstantSource.system());
    }

    /** @param clock stamps the first and last synced append ({@link SyncStats}) */
    public ChainDb(String chainId, ChainDbConfig config, InstantSource clock) {
        checkChainId(chainId);
        this.chainId = chainId;
        this.maxPayloadSize = config.maxPayloadSize();
        this.compact = config.compactCanonicalPayloads();
        this.stats = new SyncStats(Objects.requireNonNull(clock, "clock"));
        Block g = genesis(chainId);
        byte[] h = g.hashRef();
        this.payloadSeed = readLong(h, 0);
        Segment s = new Segment(FIRST_CAPACITY);
        System.arraycopy(h, 0, s.hashes, 0, Block.HASH_SIZE);
        s.payloads[0] = g.payloadRef();
        segments[0] = s;
        height = 0;
    }

    /**
     * The genesis block of a chain: height 0, parent 32 zero bytes, payload the UTF-8 bytes of
     * {@code "chainmux-genesis-v1:" + chainId}. Every node derives the same one, so chains agree without
     * exchanging it, and different chains never share a block.
     */
    public static Block genesis(String chainId) {
        checkChainId(chainId);
        byte[] payload = (GENESIS_PREFIX + chainId).getBytes(StandardCharsets.US_ASCII);
        return new Block(0, GENESIS_PARENT.clone(), payload, Block.computeHash(0, GENESIS_PARENT, payload));
    }

    public String chainId() {
        return chainId;
    }

    public int maxPayloadSize() {
        return maxPayloadSize;
    }

    public SyncStats stats() {
        return stats;
    }

    /** Height of the tip; 0 when the chain holds only its genesis. */
    public long height() {
        return height;
    }

    public byte[] tipHash() {
        long h = height;
        return hashAt(h);
    }

    /** @throws IndexOutOfBoundsException if {@code h} is negative or above the tip */
    public byte[] hashAt(long h) {
        checkHeight(h, height);
        Segment s = segments[(int) (h >>> SEGMENT_BITS)];
        int off = (int) (h & SEGMENT_MASK) * Block.HASH_SIZE;
        return Arrays.copyOfRange(s.hashes, off, off + Block.HASH_SIZE);
    }

    /** @throws IndexOutOfBoundsException if {@code h} is negative or above the tip */
    public Block block(long h) {
        checkHeight(h, height);
        return blockUnchecked(h);
    }

    /** Blocks {@code from, from + 1, ...}: at most {@code count}, fewer at the tip, none above it. */
    public List<Block> blocks(long from, int count) {
        if (from < 0 || count < 0) {
            throw new IllegalArgumentException("from and count must be >= 0, were " + from + ", " + count);
        }
        long top = height;
        if (from > top) {
            return List.of();
        }
        int n = (int) Math.min(count, top - from + 1);
        List<Block> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(blockUnchecked(from + i));
        }
        return out;
    }

    /**
     * Appends a block on the tip after checking its hash, its parent link and its size. A block already
     * stored (same height, same hash) is accepted again as {@link AppendResult#DUPLICATE}, so concurrent
     * syncs and a local producer can race harmlessly.
     *
     * @throws InvalidBlockException naming the failed check; nothing is stored then
     */
    public AppendResult append(Block block) {
        return append(block, false);
    }

    /** @param produced made by {@link #produce}: hash computed here and payload canonical */
    private AppendResult append(Block block, boolean produced) {
        Objects.requireNonNull(block, "block");
        long h = block.height();
        if (block.payloadSize() > maxPayloadSize) {
            throw new InvalidBlockException(InvalidBlockException.Reason.PAYLOAD_TOO_LARGE, h, "chain " + chainId
                    + ": block " + h + " has a payload of " + block.payloadSize() + " bytes, the limit is "
                    + maxPayloadSize);
        }
        if (!produced && !block.hasValidHash()) {
            throw new InvalidBlockException(InvalidBlockException.Reason.BAD_HASH, h, "chain " + chainId
                    + ": block " + h + " claims hash " + block.hashHex() + ", its contents hash differently");
        }
        boolean canonical = compact && block.payloadSize() > 0
                && (produced || Arrays.equals(block.payloadRef(), canonicalPayload(h, block.payloadSize())));
        synchronized (appendLock) {
            long tip = height;
            if (h <= tip) {
                if (hashEquals(h, block.hashRef())) {
                    return AppendResult.DUPLICATE;
                }
                throw new InvalidBlockException(InvalidBlockException.Reason.CONFLICT, h, "chain " + chainId
                        + ": block " + h + " conflicts with the stored block at that height (fork)");
            }
            if (h != tip + 1) {
                throw new InvalidBlockException(InvalidBlockException.Reason.NOT_NEXT, h, "chain " + chainId
                        + ": block " + h + " does not follow the tip " + tip);
            }
            if (!hashEquals(tip, block.parentHashRef())) {
                throw new InvalidBlockException(InvalidBlockException.Reason.WRONG_PARENT, h, "chain " + chainId
                        + ": block " + h + " names a parent that is not block " + tip);
            }
            store(h, block.hashRef(), canonical ? marker(block.payloadSize()) : block.payloadRef());
            height = h; // publishes the stored block to lock-free readers
        }
        watchers.grown(h);
        return AppendResult.APPENDED;
    }

    /**
     * Extends the chain by {@code n} blocks of {@link #canonicalPayload canonical} content and returns the
     * new height. The content of block {@code h} depends only on (chain, h, payloadSize), so any number
     * of nodes producing the same chain with the same payload size make identical blocks: no forks,
     * whichever node produces and whichever syncs. A node that mixes payload sizes for one chain forks it;
     * the demo uses one size per run.
     *
     * @throws InvalidBlockException if a concurrently appended non-canonical block is in the way
     */
    public long produce(int n, int payloadSize) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, was " + n);
        }
        if (payloadSize < 0 || payloadSize > maxPayloadSize) {
            throw new IllegalArgumentException("payloadSize must be in [0, " + maxPayloadSize + "], was "
                    + payloadSize);
        }
        long target = height + n;
        for (long tip = height; tip < target; tip = height) {
            // A concurrent sync may append the same block first: append then reports DUPLICATE.
            byte[] parent = hashAt(tip);
            byte[] payload = canonicalPayload(tip + 1, payloadSize);
            append(new Block(tip + 1, parent, payload, Block.computeHash(tip + 1, parent, payload)), true);
        }
        return height;
    }

    /**
     * The payload {@link #produce} gives block {@code h}: {@code payloadSize} bytes of the SplitMix64
     * stream seeded with {@code (first 8 bytes of the genesis hash, big-endian) XOR (h * 0x9E3779B97F4A7C15)},
     * each 64-bit output written big-endian, the last one truncated.
     */
    public byte[] canonicalPayload(long h, int payloadSize) {
        byte[] out = new byte[payloadSize];
        long state = payloadSeed ^ (h * GOLDEN);
        for (int i = 0; i < payloadSize; i += 8) {
            state += GOLDEN;
            long z = splitMix(state);
            for (int j = 0; j < 8 && i + j < payloadSize; j++) {
                out[i + j] = (byte) (z >>> (56 - 8 * j));
            }
        }
        return out;
    }

    /** Writes {@link #canonicalPayload} without an intermediate array. */
    private void writeCanonicalPayload(long h, int payloadSize, ByteBuf out) {
        long state = payloadSeed ^ (h * GOLDEN);
        int i = 0;
        for (; i + 8 <= payloadSize; i += 8) {
            state += GOLDEN;
            out.writeLong(splitMix(state));
        }
        if (i < payloadSize) {
            long z = splitMix(state + GOLDEN);
            for (int j = 0; i + j < payloadSize; j++) {
                out.writeByte((int) (z >>> (56 - 8 * j)));
            }
        }
    }

    private static long splitMix(long state) {
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Recomputes every block hash up to the current height, from the genesis on, checking each against
     * the stored one (whose chaining makes every parent link checked too).
     */
    public Verification verifyAll() {
        long top = height;
        Segment[] segs = segments;
        byte[] expectedGenesis = genesis(chainId).hashRef();
        byte[] parent = hashCopy(segs, 0);
        if (!MessageDigest.isEqual(parent, expectedGenesis)) {
            return new Verification(false, 1, 0, "chain " + chainId + ": genesis is not the chain's genesis");
        }
        for (long h = 1; h <= top; h++) {
            byte[] stored = hashCopy(segs, h);
            byte[] computed = Block.computeHash(h, parent, payloadRef(segs, h));
            if (!MessageDigest.isEqual(stored, computed)) {
                return new Verification(false, h + 1, h, "chain " + chainId + ": block " + h
                        + " does not hash to its stored hash");
            }
            parent = stored;
        }
        return new Verification(true, top + 1, -1, "");
    }

    @Override
    public String toString() {
        return "ChainDb[" + chainId + ", height " + height + "]";
    }

    // ---- package-private, lock-free access for the codec and sessions; h <= a height read before ----

    /** Payload of block {@code h}; may be the stored array, which must not be modified. */
    byte[] payloadRef(long h) {
        return payloadRef(segments, h);
    }

    int payloadSize(long h) {
        Object p = entry(segments, h);
        return p instanceof byte[] b ? b.length : (Integer) p;
    }

    /** Writes the payload of block {@code h} (regenerating a canonical one in place). */
    void writePayload(long h, ByteBuf out) {
        Object p = entry(segments, h);
        if (p instanceof byte[] b) {
            out.writeBytes(b);
        } else {
            writeCanonicalPayload(h, (Integer) p, out);
        }
    }

    /** Whether block {@code h} is stored as a canonical payload's size. */
    boolean storedCompact(long h) {
        return entry(segments, h) instanceof Integer;
    }

    /** Writes the 32-byte hash of block {@code h}. */
    void writeHash(long h, ByteBuf out) {
        Segment s = segments[(int) (h >>> SEGMENT_BITS)];
        out.writeBytes(s.hashes, (int) (h & SEGMENT_MASK) * Block.HASH_SIZE, Block.HASH_SIZE);
    }

    boolean hashEquals(long h, byte[] hash) {
        Segment s = segments[(int) (h >>> SEGMENT_BITS)];
        int off = (int) (h & SEGMENT_MASK) * Block.HASH_SIZE;
        return Arrays.equals(s.hashes, off, off + Block.HASH_SIZE, hash, 0, Block.HASH_SIZE);
    }

    FetchGate fetchGate() {
        return fetchGate;
    }

    /**
     * Runs {@code action} once the chain's height is above {@code above} (at once, on this thread, if it
     * already is; otherwise on the thread that appends). Close the watch to drop it unfired.
     */
    HeightWatchers.Watch watchAbove(long above, Runnable action) {
        return watchers.add(above, action);
    }

    /** Watches registered and not yet fired or closed (tests, diagnostics). */
    int heightWatches() {
        return watchers.size();
    }

    /**
     * Admits at most N fetching sessions per chain; the others wait for one to leave. Without it, the
     * d sessions a node keeps per chain would each download the same missing blocks.
     */
    static final class FetchGate {
        private int active;
        private CompletableFuture<Void> left = new CompletableFuture<>();

        /** Null if admitted (call {@link #leave()} later); otherwise a stage completed when someone leaves. */
        synchronized CompletableFuture<Void> tryEnter(int max) {
            if (active < max) {
                active++;
                return null;
            }
            return left;
        }

        void leave() {
            CompletableFuture<Void> wake;
            synchronized (this) {
                if (active == 0) {
                    throw new IllegalStateException("leave without enter");
                }
                active--;
                wake = left;
                left = new CompletableFuture<>();
            }
            wake.complete(null);
        }

        synchronized int active() {
            return active;
        }
    }

    // ---- internals ----

    private Block blockUnchecked(long h) {
        Segment[] segs = segments;
        byte[] parent = h == 0 ? GENESIS_PARENT.clone() : hashCopy(segs, h - 1);
        // A stored payload array is never modified; Block never exposes it, so no copy.
        return new Block(h, parent, payloadRef(segs, h), hashCopy(segs, h));
    }

    private Integer marker(int size) {
        Integer m = lastMarker;
        if (m == null || m != size) {
            m = size;
            lastMarker = m;
        }
        return m;
    }

    private void store(long h, byte[] hash, Object payload) {
        int seg = (int) (h >>> SEGMENT_BITS);
        Segment[] segs = segments;
        if (seg >= segs.length) {
            segs = Arrays.copyOf(segs, segs.length * 2);
        }
        int i = (int) (h & SEGMENT_MASK);
        if (segs[seg] == null) {
            segs[seg] = new Segment(FIRST_CAPACITY);
        }
        if (i >= segs[seg].payloads.length) {
            // Readers holding this array see the old segment or its copy: both hold every block below
            // the height they read (written before that height was published).
            segs[seg] = new Segment(segs[seg], i);
        }
        Segment s = segs[seg];
        System.arraycopy(hash, 0, s.hashes, i * Block.HASH_SIZE, Block.HASH_SIZE);
        s.payloads[i] = payload;
        segments = segs;
    }

    private byte[] payloadRef(Segment[] segs, long h) {
        Object p = entry(segs, h);
        return p instanceof byte[] b ? b : canonicalPayload(h, (Integer) p);
    }

    private static Object entry(Segment[] segs, long h) {
        return segs[(int) (h >>> SEGMENT_BITS)].payloads[(int) (h & SEGMENT_MASK)];
    }

    private static byte[] hashCopy(Segment[] segs, long h) {
        int off = (int) (h & SEGMENT_MASK) * Block.HASH_SIZE;
        return Arrays.copyOfRange(segs[(int) (h >>> SEGMENT_BITS)].hashes, off, off + Block.HASH_SIZE);
    }

    private static void checkHeight(long h, long top) {
        if (h < 0 || h > top) {
            throw new IndexOutOfBoundsException("height " + h + " outside [0, " + top + "]");
        }
    }

    private static long readLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    private static void checkChainId(String chainId) {
        if (chainId == null || !CHAIN_ID.matcher(chainId).matches()) {
            throw new IllegalArgumentException("chain id '" + chainId + "' must be 1-100 of [A-Za-z0-9._-]");
        }
    }
}
