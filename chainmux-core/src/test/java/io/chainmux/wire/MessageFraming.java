package io.chainmux.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Wire-level message framing for tests: splits a message into DATA frames the way the
 * specification requires, and reassembles messages from decoded DATA frames. (The real
 * reassembler, with windows and limits, is the connection's.)
 */
final class MessageFraming {
    private MessageFraming() {}

    /** Writes {@code message} as DATA frames of at most {@code maxFrameSize} bytes; the last has END_MESSAGE. */
    static int writeMessage(ByteBuf out, int streamId, byte[] message, int maxFrameSize, boolean fin) {
        int frames = 0;
        int offset = 0;
        do {
            int n = Math.min(maxFrameSize, message.length - offset);
            boolean last = offset + n == message.length;
            int flags = last ? WireFormat.FLAG_END_MESSAGE | (fin ? WireFormat.FLAG_FIN : 0) : 0;
            FrameWriter.writeData(out, streamId, flags, Unpooled.wrappedBuffer(message, offset, n));
            offset += n;
            frames++;
        } while (offset < message.length);
        return frames;
    }

    /** A message completed on a stream. */
    record Message(int streamId, byte[] bytes) {}

    /** Collects DATA payloads per stream until END_MESSAGE. */
    static final class Reassembler extends Frames.Recorder {
        final Map<Integer, ByteArrayOutputStream> partial = new HashMap<>();
        final List<Message> messages = new ArrayList<>();
        final List<int[]> frames = new ArrayList<>(); // {stream id, length, flags} per DATA frame
        long charged;

        @Override
        public void onData(int streamId, int flags, ByteBuf payload) {
            charged += WireFormat.dataCharge(payload.readableBytes(), flags);
            ByteArrayOutputStream buf = partial.computeIfAbsent(streamId, id -> new ByteArrayOutputStream());
            byte[] b = new byte[payload.readableBytes()];
            payload.readBytes(b);
            buf.writeBytes(b);
            if ((flags & WireFormat.FLAG_END_MESSAGE) != 0) {
                messages.add(new Message(streamId, buf.toByteArray()));
                partial.remove(streamId);
            }
            frames.add(new int[] {streamId, b.length, flags});
        }
    }
}
