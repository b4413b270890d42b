package io.chainmux.mux;

import io.chainmux.wire.FrameType;
import io.chainmux.wire.Settings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the sender's pipe budget is tight, end to end through the write pass: only while a light
 * stream sends beside a heavy one, never for a thousand streams that are all alike.
 */
class PipeContentionTest {
    private static final int FRAME = 16_384;
    private static final int STREAMS = 1000;
    private final RecordingListener app = new RecordingListener();
    private final ByteBuf small = Unpooled.wrappedBuffer(new byte[64]);
    private ScriptedPeer peer;

    @AfterEach
    void tearDown() {
        small.release();
        peer.close();
    }

    private void start() {
        peer = new ScriptedPeer(MuxConfig.builder().maxStreamsPerNetwork(STREAMS).build(), true, app);
        peer.expect(FrameType.SETTINGS);
        peer.settings(new Settings(FRAME, 1 << 30, 1 << 30, 2 * STREAMS, 1 << 20));
        peer.expect(FrameType.PING);
    }

    /**
     * Reads everything written at 1 GB/s (1 ns per byte passes), returns its connection credit in 16 KiB
     * steps (on receipt), then 1 ms passes.
     */
    private void readAndReturnCredit() {
        long charge = 0;
        for (Frame f : peer.drain()) {
            if (f.type() == FrameType.DATA) {
                charge += f.payload().length + ((f.flags() & io.chainmux.wire.WireFormat.FLAG_END_MESSAGE) != 0 ? 1 : 0);
            }
        }
        peer.advance(charge, TimeUnit.NANOSECONDS);
        for (; charge > 0; charge -= 16 * 1024) {
            peer.windowUpdate(0, (int) Math.min(charge, 16 * 1024));
        }
        peer.advance(1, TimeUnit.MILLISECONDS);
    }

    /** {@link #readAndReturnCredit} until nothing waits to be written (at most 1000 times). */
    private void drainAll() {
        for (int i = 0; i < 1000 && (i == 0 || peer.connection.writer.hasActive()); i++) {
            readAndReturnCredit();
        }
        assertThat(peer.connection.writer.hasActive()).as("drained").isFalse();
    }

    private List<MuxStream> open(int n) {
        List<MuxStream> streams = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            streams.add(peer.connection.openStream("chain-" + i, 1 << 20, 1, app));
        }
        peer.drain();
        return streams;
    }

    private PipeBudget pipe() {
        return peer.connection.sendFlow.pipe();
    }

    @Test
    void aThousandStreamsSendingOneSmallMessageEachPerRoundAreNoContention() {
        start();
        List<MuxStream> streams = open(STREAMS);
        int refused = 0;
        for (int round = 0; round < 20; round++) {
            for (MuxStream s : streams) {
                refused += s.trySendCopy(small) ? 0 : 1;
            }
            drainAll();
        }
        assertThat(refused).isZero();
        assertThat(pipe().contended()).isFalse();
        assertThat(peer.connection.stats().pipeTightened()).isZero();
    }

    @Test
    void aThousandStreamsThatStayBackloggedAreNoContention() {
        start();
        List<MuxStream> streams = open(STREAMS);
        ByteBuf message = Unpooled.wrappedBuffer(new byte[MuxStream.COPY_THRESHOLD]);
        int refused = 0;
        for (int round = 0; round < 3; round++) {
            // More than a turn's worth each: every stream is heavy. The first ones go out by the fast
            // path until the channel's batch is full; the one cut there queues the rest of its burst,
            // less than half a turn, and drains in its first turn: not a light stream all the same.
            for (MuxStream s : streams) {
                for (int m = 0; m < 11; m++) {
                    refused += s.trySendCopy(message) ? 0 : 1;
                }
            }
            drainAll();
        }
        message.release();
        assertThat(refused).isZero();
        assertThat(pipe().contended()).isFalse();
        assertThat(peer.connection.stats().pipeTightened()).isZero();
    }

    @Test
    void aStreamThatComesBackWithALittleBehindAThousandBackloggedOnesIsNoContention() {
        start();
        List<MuxStream> streams = open(STREAMS + 1);
        MuxStream straggler = streams.remove(STREAMS);
        assertThat(streams.get(0).trySendCopy(small)).isTrue(); // one round trip: the pipe measures the path
        drainAll();
        ByteBuf message = Unpooled.wrappedBuffer(new byte[MuxStream.COPY_THRESHOLD]);
        int refused = 0;
        long lightTurns = 0;
        for (int round = 0; round < 3; round++) {
            // a thousand streams of more than a turn each; then one with a single small message, whose
            // first turn comes after a turn of each of them: megabytes that a tight pipe would not save it
            for (MuxStream s : streams) {
                for (int m = 0; m < 11; m++) {
                    refused += s.trySendCopy(message) ? 0 : 1;
                }
            }
            refused += straggler.trySendCopy(small) ? 0 : 1;
            lightTurns = peer.connection.writer.lightTurns();
            drainAll();
            assertThat(peer.connection.writer.lightTurns()).as("the straggler's turn is light").isGreaterThan(lightTurns);
        }
        message.release();
        assertThat(refused).isZero();
        assertThat(pipe().contended()).isFalse();
        assertThat(peer.connection.stats().pipeTightened()).isZero();
    }

    @Test
    void aLightStreamBesideABulkOneTightensThePipe() {
        start();
        List<MuxStream> streams = open(2);
        MuxStream bulk = streams.get(0);
        MuxStream light = streams.get(1);
        for (int round = 0; round < 20; round++) {
            if (bulk.queuedBytes() < 256 * 1024) {
                assertThat(bulk.trySend(Unpooled.wrappedBuffer(new byte[256 * 1024]))).isTrue();
            }
            assertThat(light.trySendCopy(small)).isTrue();
            readAndReturnCredit();
        }
        assertThat(pipe().contended()).isTrue();
        assertThat(pipe().room()).isLessThanOrEqualTo(pipe().budget());
        assertThat(peer.connection.stats().pipeTightened()).as("tight once, and held").isEqualTo(1);
    }
}
