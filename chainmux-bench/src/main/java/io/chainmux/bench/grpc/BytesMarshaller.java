package io.chainmux.bench.grpc;

import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Messages are raw bytes: no protobuf. The stream knows its length so gRPC frames it without buffering. */
enum BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
        return new KnownLengthStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
        try {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("reading a message failed").withCause(e).asRuntimeException();
        }
    }

    private static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength {
        KnownLengthStream(byte[] buf) {
            super(buf);
        }
    }
}
