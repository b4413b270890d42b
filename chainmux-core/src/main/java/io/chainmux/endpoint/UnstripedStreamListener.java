package io.chainmux.endpoint;

import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.netty.buffer.ByteBuf;

/**
 * The listener of an unstriped connection's one stream (unshared mode): passes every event on, and
 * when the stream ends, ends its connection too.
 */
record UnstripedStreamListener(StreamListener delegate, MuxConnection connection) implements StreamListener {
    @Override
    public void onAccepted(MuxStream stream) {
        delegate.onAccepted(stream);
    }

    @Override
    public void onMessage(MuxStream stream, ByteBuf message) {
        delegate.onMessage(stream, message);
    }

    @Override
    public void onRemoteClosed(MuxStream stream) {
        delegate.onRemoteClosed(stream);
    }

    @Override
    public void onWritable(MuxStream stream) {
        delegate.onWritable(stream);
    }

    @Override
    public void onClosed(MuxStream stream, CloseReason reason) {
        try {
            delegate.onClosed(stream, reason);
        } finally {
            connection.goAway("its stream ended");
        }
    }
}
