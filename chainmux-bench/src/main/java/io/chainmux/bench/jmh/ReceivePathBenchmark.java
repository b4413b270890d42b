package io.chainmux.bench.jmh;

import io.chainmux.mux.CloseReason;
import io.chainmux.mux.ConnectionListener;
import io.chainmux.mux.LentMessageListener;
import io.chainmux.mux.MuxConfig;
import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.Settings;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The receive path of one connection without a socket: a read of one 64-byte message on each of
 * 1000 streams, pushed through the connection's handler on an {@link EmbeddedChannel} (frame
 * decoding, window charges, delivery, the credit's return and its WINDOW_UPDATEs), with the message
 * handed over ({@code owned}: {@link StreamListener#onMessage}, which releases it and calls
 * {@code consumed}) or lent ({@code lent}: {@link LentMessageListener}). Both listeners read the
 * same 8 bytes of each message.
 *
 * <p>How to run (from the repository root), after building the bench jar as for
 * {@link FrameCodecBenchmark}:
 * <pre>
 *   java -cp chainmux-bench/target/chainmux-bench.jar org.openjdk.jmh.Main ReceivePathBenchmark
 * </pre>
 * Results are nanoseconds per message; on a shared 2-core machine expect run-to-run noise. The
 * secondary result {@code cpuNsPerMessage} ({@link ThreadCpuPerMessage}) is the benchmark thread's
 * CPU time per message, which other processes on the machine disturb less: read it per iteration (its
 * summary line is the sum over the iterations). One delivery at a time: {@code ... ReceivePathBenchmark -p delivery=lent}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReceivePathBenchmark {
    private static final int STREAMS = 1000;
    private static final int MESSAGE = 64;

    /** {@code owned}: messages handed over, released and consumed; {@code lent}: lent for the callback. */
    @Param({"owned", "lent"})
    public String delivery;

    private EmbeddedChannel channel;
    /** One DATA frame of one whole message on each stream, as one read. */
    private ByteBuf read;
    private long sum;
    private int closedStreams;

    @Setup(Level.Trial)
    public void setUp() {
        StreamListener listener = delivery.equals("lent") ? new Lent() : new Owned();
        MuxConfig config = MuxConfig.builder().maxInboundStreams(STREAMS).maxStreamsPerNetwork(STREAMS).build();
        MuxConnection connection = new MuxConnection(config, true, (ConnectionListener) s -> s.accept(listener, MESSAGE));
        channel = new EmbeddedChannel();
        channel.freezeTime(); // no timer fires: the PING the connection sends stays unanswered, harmlessly
        channel.pipeline().addLast(connection.handler());
        ByteBuf setup = PooledByteBufAllocator.DEFAULT.directBuffer();
        FrameWriter.writeSettings(setup, Settings.defaults());
        for (int i = 0; i < STREAMS; i++) {
            FrameWriter.writeOpen(setup, 2 * (i + 1), MESSAGE, "chain-" + i);
        }
        channel.writeInbound(setup);
        channel.releaseOutbound();
        ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(MESSAGE);
        read = PooledByteBufAllocator.DEFAULT.directBuffer(STREAMS * (WireFormat.HEADER_LENGTH + MESSAGE));
        for (int i = 0; i < STREAMS; i++) {
            payload.clear().writeLong(i).writeZero(MESSAGE - 8);
            FrameWriter.writeData(read, 2 * (i + 1), WireFormat.FLAG_END_MESSAGE, payload);
        }
        payload.release();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        read.release();
        channel.finishAndReleaseAll();
    }

    @Benchmark
    @OperationsPerInvocation(STREAMS)
    public long receive(ThreadCpuPerMessage cpu) {
        channel.writeInbound(read.retainedDuplicate()); // the handler releases it, as a socket read's
        channel.releaseOutbound(); // the WINDOW_UPDATEs of the credit returned
        if (closedStreams != 0) {
            throw new IllegalStateException(closedStreams + " streams closed during the benchmark");
        }
        cpu.add(STREAMS);
        return sum;
    }

    private final class Owned implements StreamListener {
        @Override
        public void onMessage(MuxStream stream, ByteBuf message) {
            int length = message.readableBytes();
            sum += message.getLong(message.readerIndex());
            message.release();
            stream.consumed(length);
        }

        @Override
        public void onClosed(MuxStream stream, CloseReason reason) {
            closedStreams++;
        }
    }

    private final class Lent implements LentMessageListener {
        @Override
        public void onLentMessage(MuxStream stream, ByteBuf message) {
            sum += message.getLong(message.readerIndex());
        }

        @Override
        public void onClosed(MuxStream stream, CloseReason reason) {
            closedStreams++;
        }
    }
}
