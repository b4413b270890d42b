package io.chainmux.wire;

import io.chainmux.config.Internal;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;

/**
 * Encodes frames into a caller-supplied buffer. Stateless; the caller decides batching and
 * flushing. Arguments are checked against the same rules {@link FrameReader} enforces, so a bug
 * here fails locally instead of on the peer.
 */
@Internal
public final class FrameWriter {
    private FrameWriter() {}

    public static void writeHeader(ByteBuf out, int length, FrameType type, int flags, int streamId) {
        if (length < 0 || length > WireFormat.MAX_PAYLOAD_LENGTH) {
            throw new IllegalArgumentException("payload length " + length);
        }
        if ((flags & ~0xFF) != 0) {
            throw new IllegalArgumentException("flags must fit in a byte: " + flags);
        }
        checkStreamId(type, streamId);
        // Two writes instead of four: the header is hot for small messages.
        out.writeLong(headerFirstEight(length, type, flags, streamId));
        out.writeByte(streamId);
    }

    /** The header's first eight bytes (length, type, flags, stream id's upper three bytes) as one long; the last byte is the id's lowest. */
    private static long headerFirstEight(int length, FrameType type, int flags, int streamId) {
        return ((long) length << 40) | ((long) type.code << 32) | ((long) flags << 24)
                | (Integer.toUnsignedLong(streamId) >>> 8);
    }

    /** Writes a DATA header; the caller writes (or appends) {@code length} payload bytes after it. */
    public static void writeDataHeader(ByteBuf out, int streamId, int flags, int length) {
        if (length == 0 && (flags & (WireFormat.FLAG_END_MESSAGE | WireFormat.FLAG_FIN)) == 0) {
            throw new IllegalArgumentException("empty DATA frame without END_MESSAGE or FIN on stream " + streamId);
        }
        writeHeader(out, length, FrameType.DATA, flags, streamId);
    }

    /**
     * Writes a DATA header at {@code index} of {@code out}, leaving its indices alone: for a payload
     * already written behind it (the send path frames a message once it knows its length). The same
     * bytes and checks as {@link #writeDataHeader}.
     */
    public static void setDataHeader(ByteBuf out, int index, int streamId, int flags, int length) {
        if (length == 0 && (flags & (WireFormat.FLAG_END_MESSAGE | WireFormat.FLAG_FIN)) == 0) {
            throw new IllegalArgumentException("empty DATA frame without END_MESSAGE or FIN on stream " + streamId);
        }
        if (length < 0 || length > WireFormat.MAX_PAYLOAD_LENGTH) {
            throw new IllegalArgumentException("payload length " + length);
        }
        if ((flags & ~0xFF) != 0) {
            throw new IllegalArgumentException("flags must fit in a byte: " + flags);
        }
        checkStreamId(FrameType.DATA, streamId);
        out.setLong(index, headerFirstEight(length, FrameType.DATA, flags, streamId));
        out.setByte(index + 8, streamId);
    }

    public static void writeData(ByteBuf out, int streamId, int flags, ByteBuf payload) {
        writeDataHeader(out, streamId, flags, payload.readableBytes());
        out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
    }

    public static void writeOpen(ByteBuf out, int streamId, int maxMessageSize, String networkId) {
        FrameReader.validateNetworkId(networkId);
        checkMaxMessageSize(maxMessageSize);
        writeHeader(out, WireFormat.OPEN_FIXED_LENGTH + networkId.length(), FrameType.OPEN, 0, streamId);
        out.writeInt(maxMessageSize);
        out.writeByte(networkId.length());
        out.writeCharSequence(networkId, StandardCharsets.US_ASCII);
    }

    public static void writeAccept(ByteBuf out, int streamId, int maxMessageSize) {
        checkMaxMessageSize(maxMessageSize);
        writeHeader(out, WireFormat.ACCEPT_PAYLOAD_LENGTH, FrameType.ACCEPT, 0, streamId);
        out.writeInt(maxMessageSize);
    }

    /** RESET with an optional detail (null for none); a longer detail is cut to the maximum. */
    public static void writeReset(ByteBuf out, int streamId, ErrorCode code, ByteBuf detail) {
        requireOnWire(code);
        int detailLength = detail == null ? 0 : Math.min(detail.readableBytes(), WireFormat.MAX_RESET_DETAIL_LENGTH);
        writeHeader(out, WireFormat.RESET_FIXED_LENGTH + detailLength, FrameType.RESET, 0, streamId);
        out.writeInt(code.code);
        if (detailLength > 0) {
            out.writeBytes(detail, detail.readerIndex(), detailLength);
        }
    }

    public static void writeWindowUpdate(ByteBuf out, int streamId, int increment) {
        if (increment <= 0) {
            throw new IllegalArgumentException("window increment must be positive: " + increment);
        }
        writeHeader(out, WireFormat.WINDOW_UPDATE_PAYLOAD_LENGTH, FrameType.WINDOW_UPDATE, 0, streamId);
        out.writeInt(increment);
    }

    public static void writePing(ByteBuf out, boolean ack, long opaque) {
        writeHeader(out, WireFormat.PING_PAYLOAD_LENGTH, FrameType.PING, ack ? WireFormat.FLAG_ACK : 0,
                WireFormat.CONNECTION_STREAM_ID);
        out.writeLong(opaque);
    }

    /** GO_AWAY; the reason is cut to 256 UTF-8 bytes at a character boundary. */
    public static void writeGoAway(ByteBuf out, int lastStreamId, ErrorCode code, String reason) {
        requireOnWire(code);
        if (lastStreamId < 0) {
            throw new IllegalArgumentException("GO_AWAY last stream id must be in [0, 2^31-1]: " + lastStreamId);
        }
        byte[] r = truncatedUtf8(reason == null ? "" : reason, WireFormat.MAX_GO_AWAY_REASON_LENGTH);
        writeHeader(out, WireFormat.GO_AWAY_FIXED_LENGTH + r.length, FrameType.GO_AWAY, 0,
                WireFormat.CONNECTION_STREAM_ID);
        out.writeInt(lastStreamId);
        out.writeInt(code.code);
        out.writeBytes(r);
    }

    public static void writeSettings(ByteBuf out, Settings settings) {
        writeHeader(out, settings.encodedLength(), FrameType.SETTINGS, 0, WireFormat.CONNECTION_STREAM_ID);
        settings.encode(out);
    }

    public static void writeMaxStreams(ByteBuf out, int maxStreams) {
        if (maxStreams < 0) {
            throw new IllegalArgumentException("MAX_STREAMS must be non-negative: " + maxStreams);
        }
        writeHeader(out, WireFormat.MAX_STREAMS_PAYLOAD_LENGTH, FrameType.MAX_STREAMS, 0,
                WireFormat.CONNECTION_STREAM_ID);
        out.writeInt(maxStreams);
    }

    /** HELLO or AUTH of the handshake; the payload layout is the handshake's business. */
    public static void writeHandshake(ByteBuf out, FrameType type, ByteBuf payload) {
        if (type != FrameType.HELLO && type != FrameType.AUTH) {
            throw new IllegalArgumentException("not a handshake frame: " + type);
        }
        writeHeader(out, payload.readableBytes(), type, 0, WireFormat.CONNECTION_STREAM_ID);
        out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
    }

    /** The stream-id rule {@link FrameReader} enforces: stream frames need an id, connection frames 0. */
    private static void checkStreamId(FrameType type, int streamId) {
        if (streamId < 0) {
            throw new IllegalArgumentException("stream id " + Integer.toUnsignedString(streamId)
                    + " has the reserved bit set");
        }
        switch (type) {
            case DATA, OPEN, ACCEPT, RESET -> {
                if (streamId == WireFormat.CONNECTION_STREAM_ID) {
                    throw new IllegalArgumentException(type + " frame on stream 0");
                }
            }
            case PING, GO_AWAY, SETTINGS, MAX_STREAMS, HELLO, AUTH -> {
                if (streamId != WireFormat.CONNECTION_STREAM_ID) {
                    throw new IllegalArgumentException(type + " frame on stream " + streamId + ", must be 0");
                }
            }
            case WINDOW_UPDATE -> { }
        }
    }

    private static void checkMaxMessageSize(int maxMessageSize) {
        if (maxMessageSize <= 0) {
            throw new IllegalArgumentException("max message size must be in [1, 2^31-1]: " + maxMessageSize);
        }
    }

    private static void requireOnWire(ErrorCode code) {
        if (!code.onWire()) {
            throw new IllegalArgumentException(code + " is local and never sent");
        }
    }

    static byte[] truncatedUtf8(String s, int maxBytes) {
        if (ByteBufUtil.utf8Bytes(s) <= maxBytes) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        int end = s.length();
        while (end > 0 && ByteBufUtil.utf8Bytes(s.substring(0, end)) > maxBytes) {
            end--;
            if (end > 0 && Character.isLowSurrogate(s.charAt(end))) {
                end--;
            }
        }
        return s.substring(0, end).getBytes(StandardCharsets.UTF_8);
    }
}
