package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.Settings;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;

/**
 * The pulled path of the write pass ({@link MuxStream#sendFrom}): on a stream's turn, once its
 * queue is empty, {@link OutboundWriter#emit} lets this take the stream's messages from its
 * {@link MessageSource}, each encoded straight into the writer's batch behind its DATA header. Event-loop confined.
 */
final class SourcePull {
    /** {@link #pull} queued a large message: the stream's turn goes on from its queue. */
    static final int INTO_QUEUE = Integer.MIN_VALUE;

    private final MuxConnection connection;
    private final OutboundWriter writer;
    private final SendFlowControl flow;
    private final MuxStats stats;

    SourcePull(MuxConnection connection, OutboundWriter writer, SendFlowControl flow) {
        this.connection = connection;
        this.writer = writer;
        this.flow = flow;
        this.stats = connection.stats();
    }

    /**
     * Pulls messages from the stream's {@link MessageSource} (its queue is empty) into the batch,
     * each framed whole, while the window covers the next one and the turn's {@code maxBytes} of
     * payload last (at least one message). A message that does not fit one frame within a new
     * stream's window (the peer's initial window: credit may never cover it at once) is encoded
     * into a buffer of its own and queued instead, to be framed like a sent one, in pieces the
     * window allows; it needs room in the send buffers, within the connection's limit, or waits
     * for it. A source that breaks a rule or throws resets its stream.
     *
     * @return payload bytes written; {@link #INTO_QUEUE}; DRAINED when the source has nothing,
     *         or what a stall returns
     */
    int pull(MuxStream s, Settings peer, int maxBytes, int limit) {
        MessageSource source = s.source;
        int wholeFrame = (int) Math.min(peer.maxFrameSize(), peer.initialStreamWindow() - 1L);
        int written = 0;
        int messages = 0;
        int result;
        try {
            while (true) {
                int n = source.nextMaxLength();
                if (n == MessageSource.NONE) {
                    result = messages > 0 ? written : WriteScheduler.DRAINED;
                    break;
                }
                if (n < 0 || n > limit) {
                    result = sourceBrokeLimit(s, n, limit);
                    break;
                }
                if (messages > 0 && (written + n > maxBytes || n > wholeFrame)) {
                    result = written;
                    break;
                }
                if (n > wholeFrame) {
                    // Queued, it counts in the send buffers, and waits for room: as an offered message
                    // does (onWritable brings a source's stream back), and, unlike one, never crosses
                    // the connection's limit (a source that always has more would keep it crossed).
                    if (!StreamOutbox.hasRoom(s)) {
                        StreamOutbox.refuse(s);
                        result = WriteScheduler.DRAINED;
                        break;
                    }
                    if (!flow.budget().fits(n)) {
                        flow.sourceWaits(s);
                        result = WriteScheduler.DRAINED;
                        break;
                    }
                    queueLarge(s, source, n);
                    result = INTO_QUEUE;
                    break;
                }
                if (n + 1L > flow.window(s)) {
                    result = messages > 0 ? written : flow.stalled(s);
                    break;
                }
                ByteBuf b = writer.room(WireFormat.HEADER_LENGTH + n);
                int at = b.writerIndex();
                int length = writer.encode(b, at + WireFormat.HEADER_LENGTH, n, source);
                OutboundWriter.frameEncoded(b, at, s.id(), length);
                flow.charge(s, length + 1);
                written += length;
                messages++;
            }
        } catch (RuntimeException e) {
            result = WriteScheduler.IDLE; // what was framed before the failure still goes out
            connection.contain(Containment.MESSAGE_SOURCE, s, e);
        }
        stats.bytesOut += written;
        stats.messagesOut += messages;
        return result;
    }

    /** The source's next message, of up to {@code n} bytes, encoded into a buffer of its own and queued. */
    private void queueLarge(MuxStream s, MessageSource source, int n) {
        ByteBuf message = connection.alloc().directBuffer(n, n);
        try {
            message.writerIndex(writer.encode(message, 0, n, source));
        } catch (RuntimeException | Error e) {
            message.release();
            throw e;
        }
        s.outbound.offerFromLoop(message, true, s.id());
    }

    /** A source announced a message it may not send: its stream is reset. */
    private int sourceBrokeLimit(MuxStream s, int n, int limit) {
        if (n > limit) {
            connection.registry.reset(s, ErrorCode.MESSAGE_TOO_LARGE, null,
                    "the message source announced " + n + " bytes; the peer's limit is " + limit);
        } else {
            connection.contain(Containment.MESSAGE_SOURCE, s, new IllegalStateException(
                    "nextMaxLength() returned " + n + ": a length or MessageSource.NONE"));
        }
        return WriteScheduler.IDLE;
    }
}
