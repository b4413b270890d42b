package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.Settings;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

/**
 * Batches outgoing frames, in the order they are produced, into a pooled buffer whose filled part is
 * handed to the channel as a slice, with one flush per event-loop pass. Small payloads are copied
 * next to their header; large ones, and long runs of pre-framed messages, go out as zero-copy slices.
 * The buffer lives for one pass only: between passes the session holds no pooled memory, so a
 * session dropped without a close event (an event loop torn down under it) cannot leak it.
 * Event-loop confined.
 */
final class FrameOutput {
    /** Payloads up to this size are copied into the batch buffer; larger ones are sliced. */
    static final int COPY_THRESHOLD = 2048;
    private static final int BATCH_SIZE = 64 * 1024;

    private final ChannelHandlerContext ctx;
    private ByteBuf batch;
    private boolean dirty;

    FrameOutput(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    private ByteBuf room(int bytes) {
        if (batch != null && batch.writableBytes() < bytes) {
            handOverPending();
            batch.release(); // the slices handed over keep their part alive
            batch = null;
        }
        if (batch == null) {
            batch = ctx.alloc().directBuffer(Math.max(BATCH_SIZE, bytes));
        }
        dirty = true;
        return batch;
    }

    /** Writes a DATA frame carrying the next {@code length} readable bytes of {@code payload}, advancing it. */
    void data(int streamId, int flags, ByteBuf payload, int length) {
        if (length <= COPY_THRESHOLD) {
            ByteBuf b = room(WireFormat.HEADER_LENGTH + length);
            FrameWriter.writeDataHeader(b, streamId, flags, length);
            b.writeBytes(payload, length);
        } else {
            FrameWriter.writeDataHeader(room(WireFormat.HEADER_LENGTH), streamId, flags, length);
            handOver();
            ctx.write(payload.readRetainedSlice(length), ctx.voidPromise());
        }
    }

    /**
     * Writes {@code length} bytes of complete, already encoded frames: copied when short, else as a
     * slice of {@code src}, whose bytes in that range must then stay unchanged until written.
     */
    void frames(ByteBuf src, int index, int length) {
        if (length <= COPY_THRESHOLD) {
            room(length).writeBytes(src, index, length);
        } else {
            handOverPending();
            dirty = true;
            ctx.write(src.retainedSlice(index, length), ctx.voidPromise());
        }
    }

    void open(int streamId, int maxMessageSize, String networkId) {
        FrameWriter.writeOpen(room(WireFormat.HEADER_LENGTH + WireFormat.OPEN_FIXED_LENGTH + networkId.length()),
                streamId, maxMessageSize, networkId);
    }

    void accept(int streamId, int maxMessageSize) {
        FrameWriter.writeAccept(room(WireFormat.HEADER_LENGTH + WireFormat.ACCEPT_PAYLOAD_LENGTH), streamId,
                maxMessageSize);
    }

    void reset(int streamId, ErrorCode code, ByteBuf detail) {
        int detailLength = detail == null ? 0 : detail.readableBytes();
        FrameWriter.writeReset(room(WireFormat.HEADER_LENGTH + WireFormat.RESET_FIXED_LENGTH + detailLength),
                streamId, code, detail);
    }

    void windowUpdate(int streamId, int increment) {
        FrameWriter.writeWindowUpdate(room(WireFormat.HEADER_LENGTH + WireFormat.WINDOW_UPDATE_PAYLOAD_LENGTH),
                streamId, increment);
    }

    void ping(boolean ack, long opaque) {
        FrameWriter.writePing(room(WireFormat.HEADER_LENGTH + WireFormat.PING_PAYLOAD_LENGTH), ack, opaque);
    }

    void goAway(int lastStreamId, ErrorCode code, String reason) {
        FrameWriter.writeGoAway(room(WireFormat.HEADER_LENGTH + WireFormat.GO_AWAY_FIXED_LENGTH
                + WireFormat.MAX_GO_AWAY_REASON_LENGTH), lastStreamId, code, reason);
    }

    void settings(Settings settings) {
        FrameWriter.writeSettings(room(WireFormat.HEADER_LENGTH + settings.encodedLength()), settings);
    }

    void maxStreams(int maxStreams) {
        FrameWriter.writeMaxStreams(room(WireFormat.HEADER_LENGTH + WireFormat.MAX_STREAMS_PAYLOAD_LENGTH),
                maxStreams);
    }

    /**
     * Writes the filled part of the batch to the channel as a slice. The reader index moves before
     * the write: a write can re-enter this class (writability events run handlers synchronously) and
     * must never hand over the same bytes twice.
     */
    private void handOver() {
        ctx.write(batch.readRetainedSlice(batch.readableBytes()), ctx.voidPromise());
    }

    private void handOverPending() {
        if (batch != null && batch.isReadable()) {
            handOver();
        }
    }

    /** Whether a batch buffer is held (only between the first frame of a pass and its flush). */
    boolean holdsBuffer() {
        return batch != null;
    }

    /** Bytes produced but not yet handed to the channel. */
    int pendingBytes() {
        return batch == null ? 0 : batch.readableBytes();
    }

    boolean isDirty() {
        return dirty;
    }

    /** Hands everything to the channel and flushes once. */
    void flush() {
        handOverPending();
        if (batch != null) {
            batch.release(); // the slices handed over keep their part alive until written
            batch = null;
        }
        if (dirty) {
            dirty = false;
            ctx.flush();
        }
    }

    /** Drops whatever was not handed over; for a channel that is gone. */
    void discard() {
        if (batch != null) {
            batch.release();
            batch = null;
        }
        dirty = false;
    }
}
