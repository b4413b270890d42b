package io.chainmux.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.List;

/**
 * Test model of decoded frames: one record per frame type with exactly the fields
 * {@link FrameListener} reports, so frames compare with {@code equals}. Byte fields are hex
 * strings to get value equality.
 */
final class Frames {
    private Frames() {}

    sealed interface Frame permits Data, Open, Accept, Reset, WindowUpdate, Ping, GoAway, SettingsFrame,
            MaxStreams, Handshake {
        /** Encodes this frame with {@link FrameWriter}. */
        void write(ByteBuf out);

        FrameType type();
    }

    record Data(int streamId, int flags, String payloadHex) implements Frame {
        public void write(ByteBuf out) {
            ByteBuf p = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(payloadHex));
            FrameWriter.writeData(out, streamId, flags, p);
        }

        public FrameType type() {
            return FrameType.DATA;
        }
    }

    record Open(int streamId, int maxMessageSize, String networkId) implements Frame {
        public void write(ByteBuf out) {
            FrameWriter.writeOpen(out, streamId, maxMessageSize, networkId);
        }

        public FrameType type() {
            return FrameType.OPEN;
        }
    }

    record Accept(int streamId, int maxMessageSize) implements Frame {
        public void write(ByteBuf out) {
            FrameWriter.writeAccept(out, streamId, maxMessageSize);
        }

        public FrameType type() {
            return FrameType.ACCEPT;
        }
    }

    record Reset(int streamId, ErrorCode code, String detailHex) implements Frame {
        public void write(ByteBuf out) {
            ByteBuf d = detailHex.isEmpty() ? null : Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(detailHex));
            FrameWriter.writeReset(out, streamId, code, d);
        }

        public FrameType type() {
            return FrameType.RESET;
        }
    }

    record WindowUpdate(int streamId, int increment) implements Frame {
        public void write(ByteBuf out) {
            FrameWriter.writeWindowUpdate(out, streamId, increment);
        }

        public FrameType type() {
            return FrameType.WINDOW_UPDATE;
        }
    }

    record Ping(boolean ack, long opaque) implements Frame {
        public void write(ByteBuf out) {
            FrameWriter.writePing(out, ack, opaque);
        }

        public FrameType type() {
            return FrameType.PING;
        }
    }

    record GoAway(int lastStreamId, ErrorCode code, String reason) implements Frame {
        public void write(ByteBuf out) {
            FrameWriter.writeGoAway(out, lastStreamId, code, reason);
        }

        public FrameType type() {
            return FrameType.GO_AWAY;
        }
    }

    record SettingsFrame(Settings settings) implements Frame {
        public void write(ByteBuf out) {
            FrameWriter.writeSettings(out, settings);
        }

        public FrameType type() {
            return FrameType.SETTINGS;
        }
    }

    record MaxStreams(int maxStreams) implements Frame {
        public void write(ByteBuf out) {
            FrameWriter.writeMaxStreams(out, maxStreams);
        }

        public FrameType type() {
            return FrameType.MAX_STREAMS;
        }
    }

    record Handshake(FrameType type, String payloadHex) implements Frame {
        public void write(ByteBuf out) {
            FrameWriter.writeHandshake(out, type, Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(payloadHex)));
        }
    }

    /** Collects every decoded frame; copies borrowed buffers so nothing is retained. */
    static class Recorder implements FrameListener {
        final List<Frame> frames = new ArrayList<>();

        Frame single() {
            if (frames.size() != 1) {
                throw new AssertionError("expected one frame, got " + frames);
            }
            return frames.get(0);
        }

        @Override
        public void onData(int streamId, int flags, ByteBuf payload) {
            frames.add(new Data(streamId, flags, ByteBufUtil.hexDump(payload)));
        }

        @Override
        public void onOpen(int streamId, int maxMessageSize, String networkId) {
            frames.add(new Open(streamId, maxMessageSize, networkId));
        }

        @Override
        public void onAccept(int streamId, int maxMessageSize) {
            frames.add(new Accept(streamId, maxMessageSize));
        }

        @Override
        public void onReset(int streamId, ErrorCode code, ByteBuf detail) {
            frames.add(new Reset(streamId, code, ByteBufUtil.hexDump(detail)));
        }

        @Override
        public void onWindowUpdate(int streamId, int increment) {
            frames.add(new WindowUpdate(streamId, increment));
        }

        @Override
        public void onPing(boolean ack, long opaque) {
            frames.add(new Ping(ack, opaque));
        }

        @Override
        public void onGoAway(int lastStreamId, ErrorCode code, String reason) {
            frames.add(new GoAway(lastStreamId, code, reason));
        }

        @Override
        public void onSettings(Settings settings) {
            frames.add(new SettingsFrame(settings));
        }

        @Override
        public void onMaxStreams(int maxStreams) {
            frames.add(new MaxStreams(maxStreams));
        }

        @Override
        public void onHandshake(FrameType type, ByteBuf payload) {
            frames.add(new Handshake(type, ByteBufUtil.hexDump(payload)));
        }
    }

    /** Encodes one frame to bytes. */
    static byte[] encode(Frame f) {
        ByteBuf out = Unpooled.buffer();
        try {
            f.write(out);
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    /** Decodes exactly one frame from {@code bytes}; fails if bytes are left over or missing. */
    static Frame decode(byte[] bytes, int maxFrameSize) {
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        try {
            Recorder r = new Recorder();
            if (!FrameReader.readFrame(in, maxFrameSize, r)) {
                throw new AssertionError("incomplete frame: " + ByteBufUtil.hexDump(bytes));
            }
            if (in.isReadable()) {
                throw new AssertionError(in.readableBytes() + " bytes left after the frame");
            }
            return r.single();
        } finally {
            in.release();
        }
    }

    static String hex(byte[] b) {
        return ByteBufUtil.hexDump(b);
    }

    static byte[] unhex(String s) {
        return ByteBufUtil.decodeHexDump(s);
    }
}
