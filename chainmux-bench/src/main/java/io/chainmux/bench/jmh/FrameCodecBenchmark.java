package io.chainmux.bench.jmh;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameListener;
import io.chainmux.wire.FrameReader;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.Settings;
import io.chainmux.wire.SettingId;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Encodes and decodes one 64-byte DATA frame with {@link FrameWriter} / {@link FrameReader}, into and
 * from reused pooled direct buffers (what the connection does per frame, minus the socket).
 *
 * <p>How to run (from the repository root). The annotation processor generates the JMH harness at
 * compile time, and the shaded bench jar carries it with all dependencies:
 * <pre>
 *   mvn -B -q -pl chainmux-bench -am -DskipTests package
 *   java -cp chainmux-bench/target/chainmux-bench.jar org.openjdk.jmh.Main FrameCodecBenchmark
 *   # quicker, noisier: ... org.openjdk.jmh.Main FrameCodecBenchmark -f 1 -wi 2 -w 1s -i 3 -r 1s
 * </pre>
 * Results are nanoseconds per frame; on a shared 2-core machine expect run-to-run noise.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameCodecBenchmark {
    private static final int PAYLOAD = 64;
    private static final int STREAM = 7;
    private static final int MAX_FRAME = SettingId.MAX_FRAME_SIZE.defaultValue;

    private ByteBuf payload;
    private ByteBuf out;
    private ByteBuf frame;
    private final CountingListener listener = new CountingListener();

    @Setup
    public void setUp() {
        payload = ByteBufAllocator.DEFAULT.directBuffer(PAYLOAD);
        for (int i = 0; i < PAYLOAD; i++) {
            payload.writeByte(i);
        }
        out = ByteBufAllocator.DEFAULT.directBuffer(WireFormat.HEADER_LENGTH + PAYLOAD);
        frame = ByteBufAllocator.DEFAULT.directBuffer(WireFormat.HEADER_LENGTH + PAYLOAD);
        FrameWriter.writeData(frame, STREAM, WireFormat.FLAG_END_MESSAGE, payload);
    }

    @TearDown
    public void tearDown() {
        payload.release();
        out.release();
        frame.release();
    }

    /** Header plus payload copy into a reused buffer; returns the buffer so JMH consumes it. */
    @Benchmark
    public ByteBuf encodeData() {
        out.clear();
        FrameWriter.writeData(out, STREAM, WireFormat.FLAG_END_MESSAGE, payload);
        return out;
    }

    /** Header parse, validation and dispatch of one whole frame to a listener. */
    @Benchmark
    public long decodeData() {
        frame.readerIndex(0);
        if (!FrameReader.readFrame(frame, MAX_FRAME, listener)) {
            throw new IllegalStateException("frame incomplete");
        }
        return listener.bytes;
    }

    /** Counts DATA; any other frame here is a bug in the benchmark. */
    private static final class CountingListener implements FrameListener {
        long bytes;

        @Override
        public void onData(int streamId, int flags, ByteBuf data) {
            bytes += data.readableBytes() + streamId + flags;
        }

        @Override
        public void onOpen(int streamId, int maxMessageSize, String networkId) {
            throw unexpected();
        }

        @Override
        public void onAccept(int streamId, int maxMessageSize) {
            throw unexpected();
        }

        @Override
        public void onReset(int streamId, ErrorCode code, ByteBuf detail) {
            throw unexpected();
        }

        @Override
        public void onWindowUpdate(int streamId, int increment) {
            throw unexpected();
        }

        @Override
        public void onPing(boolean ack, long opaque) {
            throw unexpected();
        }

        @Override
        public void onGoAway(int lastStreamId, ErrorCode code, String reason) {
            throw unexpected();
        }

        @Override
        public void onSettings(Settings settings) {
            throw unexpected();
        }

        @Override
        public void onMaxStreams(int maxStreams) {
            throw unexpected();
        }

        @Override
        public void onHandshake(FrameType type, ByteBuf data) {
            throw unexpected();
        }

        private static IllegalStateException unexpected() {
            return new IllegalStateException("only DATA frames are decoded here");
        }
    }
}
