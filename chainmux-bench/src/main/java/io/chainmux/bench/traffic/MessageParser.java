package io.chainmux.bench.traffic;

import io.netty.buffer.ByteBuf;

/**
 * Streaming parser for length-prefixed messages ({@code length u32 | seq u64 | stream u32 | filler}).
 * It reads the 16-byte prefix of each message, checks it, and skips the filler as it arrives, so it
 * never accumulates or copies payload. Confined to the receiving event loop.
 */
public final class MessageParser {
    private static final int PREFIX = Payloads.LENGTH_PREFIX + Payloads.HEADER_LENGTH;

    private final SequenceChecker checker;
    private final int messageSize;
    private final boolean singleStream;
    private final byte[] prefix = new byte[PREFIX];
    private int prefixFill;
    private int bodyLeft;
    private int boundStream = -1;

    /**
     * @param singleStream true when the transport carries one stream (socket, HTTP/2 stream): every
     *                     message must then name the stream the first one named
     */
    public MessageParser(SequenceChecker checker, int messageSize, boolean singleStream) {
        this.checker = checker;
        this.messageSize = messageSize;
        this.singleStream = singleStream;
    }

    /** Consumes all of {@code in} (without releasing it) and returns the number of messages completed. */
    public int feed(ByteBuf in) {
        int completed = 0;
        while (in.isReadable()) {
            if (bodyLeft > 0) {
                int n = Math.min(bodyLeft, in.readableBytes());
                in.skipBytes(n);
                bodyLeft -= n;
                if (bodyLeft == 0) {
                    completed++;
                }
            } else if (prefixFill == 0 && in.readableBytes() >= PREFIX) {
                completed += onPrefix(in.readInt(), in.readLong(), in.readInt());
            } else {
                int n = Math.min(PREFIX - prefixFill, in.readableBytes());
                in.readBytes(prefix, prefixFill, n);
                prefixFill += n;
                if (prefixFill == PREFIX) {
                    prefixFill = 0;
                    completed += onPrefix(intAt(0), ((long) intAt(4) << 32) | (intAt(8) & 0xFFFFFFFFL), intAt(12));
                }
            }
        }
        return completed;
    }

    /** Checks a message header; returns 1 if the message is already complete (no filler). */
    private int onPrefix(int length, long seq, int stream) {
        if (length != messageSize) {
            throw new SequenceException("message length " + length + ", expected " + messageSize
                    + " (framing lost?)");
        }
        if (singleStream) {
            if (boundStream < 0) {
                boundStream = stream;
            } else if (stream != boundStream) {
                throw new SequenceException("message of stream " + stream + " arrived on the transport stream of "
                        + boundStream);
            }
        }
        checker.check(stream, seq);
        bodyLeft = length - Payloads.HEADER_LENGTH;
        return bodyLeft == 0 ? 1 : 0;
    }

    private int intAt(int i) {
        return (prefix[i] & 0xFF) << 24 | (prefix[i + 1] & 0xFF) << 16 | (prefix[i + 2] & 0xFF) << 8 | (prefix[i + 3] & 0xFF);
    }
}
