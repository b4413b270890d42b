package io.chainmux.bench.grpc;

import io.chainmux.bench.traffic.Meter;
import io.chainmux.bench.traffic.Payloads;
import io.chainmux.bench.traffic.SequenceChecker;
import io.chainmux.bench.traffic.SequenceException;
import io.grpc.stub.StreamObserver;

/** Server side of one call: checks each message's size, stream and sequence number and counts it. */
final class GrpcReceiver implements StreamObserver<byte[]> {
    private final SequenceChecker checker;
    private final int messageSize;
    private final Meter meter;
    private int boundStream = -1;

    GrpcReceiver(SequenceChecker checker, int messageSize, Meter meter) {
        this.checker = checker;
        this.messageSize = messageSize;
        this.meter = meter;
    }

    @Override
    public void onNext(byte[] message) {
        try {
            if (message.length != messageSize) {
                throw new SequenceException("message length " + message.length + ", expected " + messageSize);
            }
            int stream = Payloads.stream(message);
            if (boundStream < 0) {
                boundStream = stream;
            } else if (stream != boundStream) {
                throw new SequenceException("message of stream " + stream + " arrived on the call of " + boundStream);
            }
            checker.check(stream, Payloads.seq(message));
            meter.add(1, messageSize);
        } catch (RuntimeException e) {
            meter.fail(e);
            throw e;
        }
    }

    @Override
    public void onError(Throwable t) {
        meter.fail(t);
    }

    @Override
    public void onCompleted() {
        meter.fail(new IllegalStateException("a call completed before the run ended"));
    }
}
