package io.chainmux.bench.grpc;

import io.chainmux.bench.traffic.Meter;
import io.chainmux.bench.traffic.Payloads;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

/**
 * Client side of one call: sends while {@code isReady()} and resumes from the on-ready handler. One
 * message array is reused: gRPC serialises it synchronously in {@code onNext} (retries are disabled and
 * nothing is sent before the call is ready, so no layer keeps a reference to it).
 */
final class GrpcSender implements ClientResponseObserver<byte[], byte[]> {
    private final byte[] message;
    private final Meter meter;
    private ClientCallStreamObserver<byte[]> requests;
    private long seq;
    private volatile boolean stopped;

    GrpcSender(int stream, int messageSize, Meter meter) {
        this.message = new byte[messageSize];
        this.meter = meter;
        Payloads.fill(message, stream);
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<byte[]> requestStream) {
        requests = requestStream;
        requestStream.setOnReadyHandler(this::pump);
    }

    private void pump() {
        while (!stopped && requests.isReady()) {
            Payloads.setSeq(message, seq++);
            requests.onNext(message);
        }
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void onNext(byte[] value) {
        // The server never answers.
    }

    @Override
    public void onError(Throwable t) {
        meter.fail(t);
    }

    @Override
    public void onCompleted() {
        meter.fail(new IllegalStateException("the server completed a call before the run ended"));
    }
}
