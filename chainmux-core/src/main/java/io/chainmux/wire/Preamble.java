package io.chainmux.wire;

import io.chainmux.config.Internal;
import io.netty.buffer.ByteBuf;

/**
 * The 8 bytes each side sends first (docs/PROTOCOL.md section 2):
 * <pre>
 * +-------+-------+-------+-------+-------------+-------------+---------------+
 * |  'C'  |  'M'  |  'U'  |  'X'  | min version | max version | reserved (16) |
 * +-------+-------+-------+-------+-------------+-------------+---------------+
 * </pre>
 * The connection runs the highest version both ranges contain.
 */
@Internal
public record Preamble(int minVersion, int maxVersion) {
    public static final int LENGTH = 8;
    public static final int MAGIC = 0x434D5558; // "CMUX"
    public static final int VERSION_1 = 1;
    public static final Preamble CURRENT = new Preamble(VERSION_1, VERSION_1);

    public Preamble {
        if (minVersion < 1 || maxVersion > 255 || minVersion > maxVersion) {
            throw new IllegalArgumentException("version range [" + minVersion + ", " + maxVersion + "]");
        }
    }

    public void encode(ByteBuf out) {
        out.writeInt(MAGIC);
        out.writeByte(minVersion);
        out.writeByte(maxVersion);
        out.writeShort(0);
    }

    /** Reads a preamble, or returns null if fewer than 8 bytes are available. */
    public static Preamble decode(ByteBuf in) {
        if (in.readableBytes() < LENGTH) {
            return null;
        }
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR,
                    "not a chainmux peer: preamble starts 0x%08x, expected 0x%08x (\"CMUX\")", magic, MAGIC);
        }
        int min = in.readUnsignedByte();
        int max = in.readUnsignedByte();
        in.skipBytes(2);
        if (min < 1 || min > max) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "invalid version range [%d, %d]", min, max);
        }
        return new Preamble(min, max);
    }

    /** The version both sides run, or -1 if the ranges do not overlap. */
    public int negotiate(Preamble peer) {
        int v = Math.min(maxVersion, peer.maxVersion);
        return v >= Math.max(minVersion, peer.minVersion) ? v : -1;
    }
}
