package io.chainmux.bench.chainmux;

import io.chainmux.mux.MuxSession;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.SessionListener;
import io.chainmux.wire.ErrorCode;

import java.util.concurrent.CompletableFuture;

/** Client-side session listener: completes when the server's SETTINGS arrived; refuses inbound streams. */
final class ReadySignal implements SessionListener {
    private final CompletableFuture<MuxSession> ready;

    ReadySignal(CompletableFuture<MuxSession> ready) {
        this.ready = ready;
    }

    @Override
    public void onStreamOpened(MuxStream stream) {
        stream.refuse(ErrorCode.REFUSED_UNKNOWN_NETWORK, null);
    }

    @Override
    public void onReady(MuxSession session) {
        ready.complete(session);
    }
}
