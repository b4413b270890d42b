package io.chainmux.chaindb;

import io.chainmux.broker.NetworkId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encoder and decoder of the sync messages; byte layouts in docs/CHAINDB-SYNC.md section 2. All integers
 * big-endian. One sync message is one P2P message: the decoder needs the whole message and rejects
 * trailing bytes. Stateless and thread-safe.
 */
public final class SyncCodec {
    /** Protocol name and version in the network id: {@code <chain>/chaindb-sync/1}. */
    public static final String PROTOCOL = "chaindb-sync";
    public static final int VERSION = 1;

    public static final int GET_HEIGHT = 0x01;
    public static final int HEIGHT = 0x02;
    public static final int GET_BLOCKS = 0x03;
    public static final int BLOCKS = 0x04;
    public static final int ERROR = 0x05;
    public static final int WAIT_HEIGHT = 0x06;

    public static final int GET_HEIGHT_SIZE = 1;
    public static final int HEIGHT_SIZE = 1 + 8 + Block.HASH_SIZE;
    public static final int GET_BLOCKS_SIZE = 1 + 8 + 4 + 4;
    public static final int WAIT_HEIGHT_SIZE = 1 + 8;
    /** type + block count. */
    public static final int BLOCKS_HEADER_SIZE = 1 + 4;
    /** Bytes of one block in a BLOCKS message besides its payload: height, parent, hash, payload length. */
    public static final int BLOCK_OVERHEAD = 8 + Block.HASH_SIZE + Block.HASH_SIZE + 4;
    /** type + code + text length. */
    public static final int ERROR_HEADER_SIZE = 1 + 2 + 2;
    public static final int MAX_ERROR_TEXT = 512;

    private SyncCodec() {}

    /** The network a chain's sync sessions run on: {@code <chain>/chaindb-sync/1}. */
    public static NetworkId network(String chainId) {
        return NetworkId.of(chainId, PROTOCOL, VERSION);
    }

    /** Size of a BLOCKS message of {@code count} blocks whose payloads add up to {@code payloadBytes}. */
    public static long blocksMessageSize(int count, long payloadBytes) {
        return BLOCKS_HEADER_SIZE + (long) count * BLOCK_OVERHEAD + payloadBytes;
    }

    /** Encodes a message into a new buffer the caller owns. Error texts are cut to 512 UTF-8 bytes. */
    public static ByteBuf encode(SyncMessage m, ByteBufAllocator alloc) {
        if (m instanceof SyncMessage.GetHeight) {
            return alloc.buffer(GET_HEIGHT_SIZE, GET_HEIGHT_SIZE).writeByte(GET_HEIGHT);
        }
        if (m instanceof SyncMessage.Height h) {
            return alloc.buffer(HEIGHT_SIZE, HEIGHT_SIZE).writeByte(HEIGHT).writeLong(h.height())
                    .writeBytes(h.tipHash());
        }
        if (m instanceof SyncMessage.WaitHeight w) {
            return alloc.buffer(WAIT_HEIGHT_SIZE, WAIT_HEIGHT_SIZE).writeByte(WAIT_HEIGHT).writeLong(w.above());
        }
        if (m instanceof SyncMessage.GetBlocks g) {
            return alloc.buffer(GET_BLOCKS_SIZE, GET_BLOCKS_SIZE).writeByte(GET_BLOCKS).writeLong(g.from())
                    .writeInt(g.count()).writeInt(g.maxBytes());
        }
        if (m instanceof SyncMessage.Blocks b) {
            long payloads = 0;
            for (Block k : b.blocks()) {
                payloads += k.payloadSize();
            }
            long size = blocksMessageSize(b.blocks().size(), payloads);
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("BLOCKS message of " + size + " bytes is too large");
            }
            ByteBuf out = alloc.buffer((int) size, (int) size);
            out.writeByte(BLOCKS).writeInt(b.blocks().size());
            for (Block k : b.blocks()) {
                out.writeLong(k.height()).writeBytes(k.parentHashRef()).writeBytes(k.hashRef())
                        .writeInt(k.payloadSize()).writeBytes(k.payloadRef());
            }
            return out;
        }
        SyncMessage.Error e = (SyncMessage.Error) m;
        byte[] text = utf8Prefix(e.text(), MAX_ERROR_TEXT);
        return alloc.buffer(ERROR_HEADER_SIZE + text.length).writeByte(ERROR).writeShort(e.code())
                .writeShort(text.length).writeBytes(text);
    }

    /**
     * BLOCKS message with blocks {@code from, from + 1, ...} of {@code db}: as many as fit in
     * {@code maxBytes}, at most {@code maxCount}, none above the tip. Null if block {@code from} exists but
     * alone exceeds {@code maxBytes}.
     */
    static ByteBuf encodeBlocks(ChainDb db, long from, int maxCount, int maxBytes, ByteBufAllocator alloc) {
        long top = db.height();
        int n = 0;
        long size = BLOCKS_HEADER_SIZE;
        while (n < maxCount && from + n <= top) {
            long s = BLOCK_OVERHEAD + (long) db.payloadSize(from + n);
            if (size + s > maxBytes) {
                break;
            }
            size += s;
            n++;
        }
        if (n == 0 && from <= top) {
            return null;
        }
        ByteBuf out = alloc.buffer((int) size, (int) size);
        out.writeByte(BLOCKS).writeInt(n);
        for (int i = 0; i < n; i++) {
            long h = from + i;
            out.writeLong(h);
            db.writeHash(h - 1, out);
            db.writeHash(h, out);
            out.writeInt(db.payloadSize(h));
            db.writePayload(h, out);
        }
        return out;
    }

    /** The type byte of a message without consuming it, -1 if empty. */
    public static int peekType(ByteBuf in) {
        return in.isReadable() ? in.getUnsignedByte(in.readerIndex()) : -1;
    }

    /**
     * Decodes one whole message, consuming its readable bytes; does not release {@code in}.
     *
     * @param maxBlocks      most blocks a BLOCKS message may hold
     * @param maxPayloadSize largest payload a block may have
     * @throws SyncProtocolException saying what is wrong; no other exception for any input
     */
    public static SyncMessage decode(ByteBuf in, int maxBlocks, int maxPayloadSize) {
        int size = in.readableBytes();
        if (size == 0) {
            throw new SyncProtocolException("empty sync message");
        }
        int type = in.readUnsignedByte();
        switch (type) {
            case GET_HEIGHT:
                expectSize("GET_HEIGHT", size, GET_HEIGHT_SIZE);
                return new SyncMessage.GetHeight();
            case HEIGHT: {
                expectSize("HEIGHT", size, HEIGHT_SIZE);
                long height = readHeight(in, "HEIGHT height");
                byte[] tip = new byte[Block.HASH_SIZE];
                in.readBytes(tip);
                return new SyncMessage.Height(height, tip);
            }
            case GET_BLOCKS: {
                expectSize("GET_BLOCKS", size, GET_BLOCKS_SIZE);
                long from = readHeight(in, "GET_BLOCKS from");
                long count = in.readUnsignedInt();
                long maxBytes = in.readUnsignedInt();
                if (from < 1) {
                    throw new SyncProtocolException("GET_BLOCKS from must be >= 1 (genesis is never sent), was 0");
                }
                if (count < 1 || count > Integer.MAX_VALUE) {
                    throw new SyncProtocolException("GET_BLOCKS count must be in [1, 2^31-1], was " + count);
                }
                if (maxBytes < 1 || maxBytes > Integer.MAX_VALUE) {
                    throw new SyncProtocolException("GET_BLOCKS max bytes must be in [1, 2^31-1], was " + maxBytes);
                }
                return new SyncMessage.GetBlocks(from, (int) count, (int) maxBytes);
            }
            case WAIT_HEIGHT:
                expectSize("WAIT_HEIGHT", size, WAIT_HEIGHT_SIZE);
                return new SyncMessage.WaitHeight(readHeight(in, "WAIT_HEIGHT above"));
            case BLOCKS:
                return decodeBlocks(in, size, maxBlocks, maxPayloadSize);
            case ERROR: {
                if (size < ERROR_HEADER_SIZE) {
                    throw new SyncProtocolException("ERROR of " + size + " bytes is shorter than its "
                            + ERROR_HEADER_SIZE + "-byte header");
                }
                int code = in.readUnsignedShort();
                int len = in.readUnsignedShort();
                if (len > MAX_ERROR_TEXT) {
                    throw new SyncProtocolException("ERROR text of " + len + " bytes exceeds " + MAX_ERROR_TEXT);
                }
                expectSize("ERROR with " + len + " text bytes", size, ERROR_HEADER_SIZE + len);
                byte[] text = new byte[len];
                in.readBytes(text);
                return new SyncMessage.Error(code, strictUtf8(text));
            }
            default:
                throw new SyncProtocolException(String.format("unknown sync message type 0x%02x", type));
        }
    }

    private static SyncMessage decodeBlocks(ByteBuf in, int size, int maxBlocks, int maxPayloadSize) {
        if (size < BLOCKS_HEADER_SIZE) {
            throw new SyncProtocolException("BLOCKS of " + size + " bytes is shorter than its "
                    + BLOCKS_HEADER_SIZE + "-byte header");
        }
        long count = in.readUnsignedInt();
        if (count > maxBlocks) {
            throw new SyncProtocolException("BLOCKS holds " + count + " blocks, the limit is " + maxBlocks);
        }
        // Bound the count by the bytes present before allocating anything for it.
        if (count * BLOCK_OVERHEAD > in.readableBytes()) {
            throw new SyncProtocolException("BLOCKS claims " + count + " blocks but has only "
                    + in.readableBytes() + " bytes for them");
        }
        List<Block> blocks = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            if (in.readableBytes() < BLOCK_OVERHEAD) {
                throw new SyncProtocolException("BLOCKS truncated in block " + i + " of " + count);
            }
            long height = readHeight(in, "block height");
            if (height < 1) {
                throw new SyncProtocolException("BLOCKS block " + i + " has height 0 (genesis is never sent)");
            }
            if (i > 0 && height != blocks.get(i - 1).height() + 1) {
                throw new SyncProtocolException("BLOCKS heights not consecutive: " + blocks.get(i - 1).height()
                        + " then " + height);
            }
            byte[] parent = new byte[Block.HASH_SIZE];
            in.readBytes(parent);
            byte[] hash = new byte[Block.HASH_SIZE];
            in.readBytes(hash);
            long len = in.readUnsignedInt();
            if (len > maxPayloadSize) {
                throw new SyncProtocolException("BLOCKS block " + height + " has a payload of " + len
                        + " bytes, the limit is " + maxPayloadSize);
            }
            if (len > in.readableBytes()) {
                throw new SyncProtocolException("BLOCKS block " + height + " payload of " + len
                        + " bytes is truncated to " + in.readableBytes());
            }
            byte[] payload = new byte[(int) len];
            in.readBytes(payload);
            blocks.add(new Block(height, parent, payload, hash));
        }
        if (in.isReadable()) {
            throw new SyncProtocolException("BLOCKS has " + in.readableBytes() + " bytes after its " + count
                    + " blocks");
        }
        return new SyncMessage.Blocks(blocks);
    }

    private static long readHeight(ByteBuf in, String what) {
        long h = in.readLong();
        if (h < 0) {
            throw new SyncProtocolException(what + " exceeds 2^63-1");
        }
        return h;
    }

    private static void expectSize(String what, int size, int expected) {
        if (size != expected) {
            throw new SyncProtocolException(what + " must have " + expected + " bytes, had " + size);
        }
    }

    private static String strictUtf8(byte[] text) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(text)).toString();
        } catch (CharacterCodingException e) {
            throw new SyncProtocolException("ERROR text is not valid UTF-8");
        }
    }

    /** The UTF-8 bytes of the longest prefix of {@code s} (whole code points) that fits in {@code max}. */
    private static byte[] utf8Prefix(String s, int max) {
        byte[] all = s.getBytes(StandardCharsets.UTF_8);
        if (all.length <= max) {
            return all;
        }
        int end = max;
        while (end > 0 && (all[end] & 0xC0) == 0x80) {
            end--; // all[end] is a continuation byte: the code point starting before it would be cut
        }
        return java.util.Arrays.copyOf(all, end);
    }
}
