package io.chainmux.wire;

import io.chainmux.config.Internal;
import io.netty.buffer.ByteBuf;

/**
 * Receives decoded frames from {@link FrameReader}, one call per frame. Buffers passed in are
 * borrowed: valid only during the call; retain (or copy) to keep them.
 */
@Internal
public interface FrameListener {
    void onData(int streamId, int flags, ByteBuf payload);

    void onOpen(int streamId, int maxMessageSize, String networkId);

    void onAccept(int streamId, int maxMessageSize);

    void onReset(int streamId, ErrorCode code, ByteBuf detail);

    void onWindowUpdate(int streamId, int increment);

    void onPing(boolean ack, long opaque);

    void onGoAway(int lastStreamId, ErrorCode code, String reason);

    void onSettings(Settings settings);

    void onMaxStreams(int maxStreams);

    /** HELLO and AUTH frames of the identity handshake. */
    void onHandshake(FrameType type, ByteBuf payload);
}
