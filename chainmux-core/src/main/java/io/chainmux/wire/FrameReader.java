package io.chainmux.wire;

import io.chainmux.config.Internal;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Decodes frames from a byte stream and validates everything a frame can be checked for on its
 * own: length against the negotiated maximum, the stream id each type requires, fixed payload
 * sizes and field ranges. Violations throw a connection-scoped {@link MuxException}; state-dependent
 * rules (windows, stream states) belong to the connection.
 */
@Internal
public final class FrameReader {
    private FrameReader() {}

    /**
     * Decodes one frame from {@code in} if it is complete, and passes it to {@code listener}.
     *
     * @param maxFrameSize the largest payload this side announced it accepts
     * @return false, consuming nothing, if {@code in} does not yet hold a whole frame
     */
    public static boolean readFrame(ByteBuf in, int maxFrameSize, FrameListener listener) {
        if (in.readableBytes() < WireFormat.HEADER_LENGTH) {
            return false;
        }
        int start = in.readerIndex();
        long head = in.getLong(start); // length(24) type(8) flags(8) stream id's first 24 bits
        int length = (int) (head >>> 40);
        int typeCode = (int) (head >>> 32) & 0xFF;
        int flags = (int) (head >>> 24) & 0xFF;
        int rawStreamId = ((int) head << 8) | in.getUnsignedByte(start + 8);
        FrameType type = FrameType.fromCode(typeCode);
        if (type == null) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "unknown frame type 0x%02x", typeCode);
        }
        if (length > maxFrameSize) {
            throw MuxException.connection(ErrorCode.FRAME_SIZE_ERROR, "%s frame of %d bytes exceeds the maximum %d",
                    type, length, maxFrameSize);
        }
        if (rawStreamId < 0) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "reserved bit of the stream id is set");
        }
        checkStreamId(type, rawStreamId);
        if (in.readableBytes() < WireFormat.HEADER_LENGTH + length) {
            return false;
        }
        in.skipBytes(WireFormat.HEADER_LENGTH);
        int payloadStart = in.readerIndex();
        int payloadEnd = payloadStart + length;
        // The payload is exposed as a bounded view; the reader index always ends at the frame end.
        int savedWriter = in.writerIndex();
        in.writerIndex(payloadEnd);
        try {
            dispatch(type, flags, rawStreamId, length, in, listener);
        } finally {
            in.writerIndex(savedWriter);
            in.readerIndex(payloadEnd);
        }
        return true;
    }

    private static void checkStreamId(FrameType type, int streamId) {
        boolean onConnection = streamId == WireFormat.CONNECTION_STREAM_ID;
        switch (type) {
            case DATA, OPEN, ACCEPT, RESET -> {
                if (onConnection) {
                    throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "%s frame on stream 0", type);
                }
            }
            case PING, GO_AWAY, SETTINGS, MAX_STREAMS, HELLO, AUTH -> {
                if (!onConnection) {
                    throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "%s frame on stream %d, must be 0",
                            type, streamId);
                }
            }
            case WINDOW_UPDATE -> { }
        }
    }

    private static void dispatch(FrameType type, int flags, int streamId, int length, ByteBuf p,
                                 FrameListener listener) {
        switch (type) {
            case DATA -> {
                if (length == 0 && (flags & (WireFormat.FLAG_END_MESSAGE | WireFormat.FLAG_FIN)) == 0) {
                    throw MuxException.connection(ErrorCode.PROTOCOL_ERROR,
                            "empty DATA frame on stream %d without END_MESSAGE or FIN", streamId);
                }
                listener.onData(streamId, flags, p);
            }
            case OPEN -> {
                atLeast(type, length, WireFormat.OPEN_FIXED_LENGTH);
                int maxMessageSize = positive(type, p.readInt());
                int idLength = p.readUnsignedByte();
                if (idLength == 0 || length != WireFormat.OPEN_FIXED_LENGTH + idLength) {
                    throw MuxException.connection(ErrorCode.FRAME_SIZE_ERROR,
                            "OPEN network id length %d does not match frame length %d", idLength, length);
                }
                listener.onOpen(streamId, maxMessageSize, readNetworkId(p, idLength));
            }
            case ACCEPT -> {
                exactly(type, length, WireFormat.ACCEPT_PAYLOAD_LENGTH);
                listener.onAccept(streamId, positive(type, p.readInt()));
            }
            case RESET -> {
                between(type, length, WireFormat.RESET_FIXED_LENGTH,
                        WireFormat.RESET_FIXED_LENGTH + WireFormat.MAX_RESET_DETAIL_LENGTH);
                ErrorCode code = ErrorCode.fromWire(p.readInt());
                listener.onReset(streamId, code, p);
            }
            case WINDOW_UPDATE -> {
                exactly(type, length, WireFormat.WINDOW_UPDATE_PAYLOAD_LENGTH);
                int increment = p.readInt();
                if (increment <= 0) {
                    throw MuxException.connection(ErrorCode.PROTOCOL_ERROR,
                            "WINDOW_UPDATE increment %d on stream %d not in [1, 2^31-1]",
                            Integer.toUnsignedLong(increment), streamId);
                }
                listener.onWindowUpdate(streamId, increment);
            }
            case PING -> {
                exactly(type, length, WireFormat.PING_PAYLOAD_LENGTH);
                listener.onPing((flags & WireFormat.FLAG_ACK) != 0, p.readLong());
            }
            case GO_AWAY -> {
                between(type, length, WireFormat.GO_AWAY_FIXED_LENGTH,
                        WireFormat.GO_AWAY_FIXED_LENGTH + WireFormat.MAX_GO_AWAY_REASON_LENGTH);
                int lastStreamId = p.readInt();
                if (lastStreamId < 0) {
                    throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "GO_AWAY last stream id has the reserved bit");
                }
                ErrorCode code = ErrorCode.fromWire(p.readInt());
                String reason = p.readCharSequence(p.readableBytes(), StandardCharsets.UTF_8).toString();
                // malformed UTF-8 decodes to replacement characters, which may re-encode above the limit:
                // cut as a sender would, so the reason is one this side could send on as it is
                reason = new String(FrameWriter.truncatedUtf8(reason, WireFormat.MAX_GO_AWAY_REASON_LENGTH),
                        StandardCharsets.UTF_8);
                listener.onGoAway(lastStreamId, code, reason);
            }
            case SETTINGS -> {
                if (length % WireFormat.SETTING_ENTRY_LENGTH != 0
                        || length > WireFormat.MAX_SETTINGS_ENTRIES * WireFormat.SETTING_ENTRY_LENGTH) {
                    throw MuxException.connection(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS payload of %d bytes", length);
                }
                listener.onSettings(Settings.decode(p));
            }
            case MAX_STREAMS -> {
                exactly(type, length, WireFormat.MAX_STREAMS_PAYLOAD_LENGTH);
                int max = p.readInt();
                if (max < 0) {
                    throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "MAX_STREAMS %d exceeds 2^31-1",
                            Integer.toUnsignedLong(max));
                }
                listener.onMaxStreams(max);
            }
            case HELLO, AUTH -> listener.onHandshake(type, p);
        }
    }

    /** Network ids are 1-255 bytes of printable ASCII (0x21-0x7E): no spaces, no control bytes. */
    private static String readNetworkId(ByteBuf p, int length) {
        int start = p.readerIndex();
        for (int i = 0; i < length; i++) {
            int b = p.getUnsignedByte(start + i);
            if (b < 0x21 || b > 0x7E) {
                throw MuxException.connection(ErrorCode.PROTOCOL_ERROR,
                        "OPEN network id has byte 0x%02x at %d; only printable ASCII is allowed", b, i);
            }
        }
        return p.readCharSequence(length, StandardCharsets.US_ASCII).toString();
    }

    private static int positive(FrameType type, int value) {
        if (value <= 0) {
            throw MuxException.connection(ErrorCode.PROTOCOL_ERROR, "%s max message size %d not in [1, 2^31-1]",
                    type, Integer.toUnsignedLong(value));
        }
        return value;
    }

    private static void exactly(FrameType type, int length, int expected) {
        if (length != expected) {
            throw MuxException.connection(ErrorCode.FRAME_SIZE_ERROR, "%s payload is %d bytes, must be %d",
                    type, length, expected);
        }
    }

    private static void atLeast(FrameType type, int length, int min) {
        if (length < min) {
            throw MuxException.connection(ErrorCode.FRAME_SIZE_ERROR, "%s payload is %d bytes, at least %d required",
                    type, length, min);
        }
    }

    private static void between(FrameType type, int length, int min, int max) {
        if (length < min || length > max) {
            throw MuxException.connection(ErrorCode.FRAME_SIZE_ERROR, "%s payload is %d bytes, must be in [%d, %d]",
                    type, length, min, max);
        }
    }

    /** Checks a network id before it is sent; the same rule the reader enforces. */
    public static void validateNetworkId(String networkId) {
        if (networkId == null || networkId.isEmpty() || networkId.length() > WireFormat.MAX_NETWORK_ID_LENGTH) {
            throw new IllegalArgumentException("network id must be 1-255 characters: " + networkId);
        }
        for (int i = 0; i < networkId.length(); i++) {
            char c = networkId.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                throw new IllegalArgumentException("network id must be printable ASCII without spaces: '"
                        + networkId + "' has 0x" + Integer.toHexString(c) + " at " + i);
            }
        }
    }
}
