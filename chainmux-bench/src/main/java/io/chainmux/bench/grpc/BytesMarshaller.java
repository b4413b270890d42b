package io.chainmux.bench.grpc;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Messages are raw bytes: no protobuf. The stream knows its length and drains itself into gRPC's
 * framer, as protobuf's streams do; without {@link Drainable} gRPC copies through a fresh 8 KiB array
 * per message, which would make this contender look far slower than gRPC with protobuf is.
 */
public enum BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
        return new KnownLengthStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
        try {
            if (stream instanceof KnownLength) {
                // gRPC's own streams know the message length: one exact array, one copy.
                byte[] message = new byte[stream.available()];
                int read = stream.readNBytes(message, 0, message.length);
                if (read != message.length || stream.read() != -1) {
                    throw new IOException("message length changed while reading");
                }
                return message;
            }
            return stream.readAllBytes();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("reading a message failed").withCause(e).asRuntimeException();
        }
    }

    private static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength, Drainable {
        KnownLengthStream(byte[] buf) {
            super(buf);
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int n = count - pos;
            target.write(buf, pos, n);
            pos = count;
            return n;
        }
    }
}
