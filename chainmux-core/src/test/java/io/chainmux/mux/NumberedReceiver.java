package io.chainmux.mux;

import io.netty.buffer.ByteBuf;

import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The receiving side of the loopback tests at many streams: accepts every stream, checks each message
 * against {@link NumberedMessages}, returns its credit, and counts the streams whose last message
 * arrived. A stream that ends abnormally adds to {@link #failures}.
 */
final class NumberedReceiver implements ConnectionListener, StreamListener {
    final List<String> failures;
    final CountDownLatch done;
    private final NumberedMessages numbered;

    NumberedReceiver(NumberedMessages numbered, int streams) {
        this.numbered = numbered;
        this.failures = numbered.failures;
        this.done = new CountDownLatch(streams);
    }

    @Override
    public void onStreamOpened(MuxStream stream) {
        stream.accept(this, 1 << 20);
    }

    @Override
    public void onMessage(MuxStream stream, ByteBuf message) {
        int length = message.readableBytes();
        if (numbered.received(stream, message)) {
            done.countDown();
        }
        message.release();
        stream.consumed(length);
    }

    @Override
    public void onClosed(MuxStream stream, CloseReason reason) {
        if (!reason.isNormal()) {
            failures.add("stream " + stream.networkId() + " closed: " + reason);
        }
    }
}
