package io.chainmux.mux;

import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntBinaryOperator;

/**
 * For loopback tests at many streams: sends each stream's numbered messages with
 * {@link MuxStream#trySendEncoded} on the client's event loop, whenever its streams are writable
 * ({@link #sendAll}, and again on every {@code onWritable}). A refused send ends that stream's turn.
 * Message {@code seq} of stream {@code i} is {@code length.applyAsInt(i, seq)} bytes of
 * {@code encoder.encode(out, i, seq)}.
 */
final class LoopEncodedSender implements StreamListener {
    /** Writes message {@code seq} of stream {@code stream}. */
    interface Encoder {
        void encode(ByteBuf out, int stream, int seq);
    }

    final List<MuxStream> streams = new ArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final int[] sent;
    private final int messages;
    private final int stride;
    private final IntBinaryOperator length;
    private final Encoder encoder;

    /** Sends {@code messages} on every {@code stride}-th of {@code streamCount} streams, starting at the first. */
    LoopEncodedSender(int streamCount, int messages, int stride, IntBinaryOperator length, Encoder encoder) {
        this.sent = new int[streamCount];
        this.messages = messages;
        this.stride = stride;
        this.length = length;
        this.encoder = encoder;
    }

    void sendAll() {
        try {
            for (int i = 0; i < sent.length; i += stride) {
                MuxStream s = streams.get(i);
                int index = i;
                while (sent[i] < messages) {
                    int seq = sent[i];
                    if (!s.trySendEncoded(length.applyAsInt(index, seq), out -> encoder.encode(out, index, seq))) {
                        break; // onWritable brings us back
                    }
                    sent[i]++;
                }
            }
        } catch (RuntimeException e) {
            errors.add(e);
        }
    }

    @Override
    public void onWritable(MuxStream stream) {
        sendAll();
    }

    @Override
    public void onMessage(MuxStream stream, ByteBuf message) {
        message.release();
    }

    @Override
    public void onClosed(MuxStream stream, CloseReason reason) {
        if (!reason.isNormal()) {
            errors.add(new AssertionError("sending stream " + stream + " closed: " + reason));
        }
    }
}
