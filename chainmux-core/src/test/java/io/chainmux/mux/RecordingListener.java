package io.chainmux.mux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Records a stream's events; copies and releases messages, optionally returning credit at once. */
class RecordingListener implements StreamListener, ConnectionListener {
    final List<String> messages = new ArrayList<>();
    final List<byte[]> payloads = new ArrayList<>();
    /** The capacity of each delivered message's buffer. */
    final List<Integer> capacities = new ArrayList<>();
    final List<MuxStream> opened = new ArrayList<>();
    final List<MuxStream> accepted = new ArrayList<>();
    final List<CloseReason> closes = new ArrayList<>();
    final List<MuxStream> remoteClosed = new ArrayList<>();
    final List<MuxStream> writable = new ArrayList<>();
    CloseReason connectionClosed;
    boolean autoConsume = true;
    boolean acceptInbound = true;
    /** The next onMessage throws (after recording the message), as a buggy application would. */
    boolean failNextMessage;

    @Override
    public void onStreamOpened(MuxStream stream) {
        opened.add(stream);
        if (acceptInbound) {
            stream.accept(this, 16 * 1024 * 1024);
        }
    }

    @Override
    public void onAccepted(MuxStream stream) {
        accepted.add(stream);
    }

    @Override
    public void onMessage(MuxStream stream, ByteBuf message) {
        int length = message.readableBytes();
        capacities.add(message.capacity());
        byte[] bytes = ByteBufUtil.getBytes(message);
        message.release();
        payloads.add(bytes);
        messages.add(new String(bytes, StandardCharsets.UTF_8));
        if (autoConsume) {
            stream.consumed(length);
        }
        if (failNextMessage) {
            failNextMessage = false;
            throw new IllegalStateException("listener failure (test)");
        }
    }

    @Override
    public void onRemoteClosed(MuxStream stream) {
        remoteClosed.add(stream);
    }

    @Override
    public void onWritable(MuxStream stream) {
        writable.add(stream);
    }

    @Override
    public void onClosed(MuxStream stream, CloseReason reason) {
        closes.add(reason);
    }

    @Override
    public void onClosed(MuxConnection connection, CloseReason reason) {
        connectionClosed = reason;
    }
}
