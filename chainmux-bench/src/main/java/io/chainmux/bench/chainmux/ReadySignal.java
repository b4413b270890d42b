package io.chainmux.bench.chainmux;

import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.ConnectionListener;
import io.chainmux.wire.ErrorCode;

import java.util.concurrent.CompletableFuture;

/** Client-side connection listener: completes when the server's SETTINGS arrived; refuses inbound streams. */
final class ReadySignal implements ConnectionListener {
    private final CompletableFuture<MuxConnection> ready;

    ReadySignal(CompletableFuture<MuxConnection> ready) {
        this.ready = ready;
    }

    @Override
    public void onStreamOpened(MuxStream stream) {
        stream.refuse(ErrorCode.REFUSED_UNKNOWN_NETWORK, null);
    }

    @Override
    public void onReady(MuxConnection connection) {
        ready.complete(connection);
    }
}
