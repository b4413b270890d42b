package io.chainmux.mux;

import io.chainmux.wire.FrameType;
import io.chainmux.wire.SettingId;
import io.chainmux.wire.Settings;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the writer splits messages into DATA frames: a stream that sends alone frames up to the peer's
 * max frame size; streams that share a pass take turns in frames of at most
 * {@link OutboundWriter#INTERLEAVED_FRAME_SIZE}.
 */
class FrameSizeTest {
    private static final int MESSAGE = 64 * 1024;
    private final RecordingListener app = new RecordingListener();
    private ScriptedPeer peer;

    @AfterEach
    void tearDown() {
        if (peer != null) {
            peer.close();
        }
    }

    /** A connection whose peer accepts frames up to {@code peerMaxFrame} and grants plenty of credit. */
    private void start(int peerMaxFrame) {
        peer = new ScriptedPeer(MuxConfig.defaults(), true, app);
        peer.expect(FrameType.SETTINGS);
        peer.settings(new Settings(peerMaxFrame, 4 << 20, 1 << 30, SettingId.MAX_STREAMS.defaultValue,
                SettingId.MAX_MESSAGE_SIZE.defaultValue));
        peer.drain();
    }

    private MuxStream open(int id) {
        MuxStream s = peer.connection.openStream("n" + id, 1 << 20, 1, app);
        peer.channel.runPendingTasks();
        peer.accept(id);
        peer.drain();
        return s;
    }

    private static byte[] message(int fill) {
        byte[] m = new byte[MESSAGE];
        for (int i = 0; i < m.length; i++) {
            m[i] = (byte) (fill + i);
        }
        return m;
    }

    @Test
    void theDefaultMaxFrameCarriesA64KiBMessageWhole() {
        assertThat(MuxConfig.defaults().maxFrameSize()).isGreaterThanOrEqualTo(MESSAGE);
    }

    @Test
    void aStreamSendingAloneFramesUpToThePeersMaxFrameSize() {
        start(MESSAGE);
        MuxStream s = open(1);
        byte[] m = message(1);
        assertThat(s.trySend(Unpooled.wrappedBuffer(m))).isTrue();
        List<Frame> frames = peer.drain();
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).type()).isEqualTo(FrameType.DATA);
        assertThat(frames.get(0).endMessage()).isTrue();
        assertThat(frames.get(0).payload()).isEqualTo(m);
    }

    @Test
    void aPeerWithTheProtocolDefaultGetsFramesOfItsSize() {
        start(SettingId.MAX_FRAME_SIZE.defaultValue);
        MuxStream s = open(1);
        assertThat(s.trySend(Unpooled.wrappedBuffer(message(1)))).isTrue();
        List<Frame> frames = peer.drain();
        assertThat(frames).extracting(f -> f.payload().length)
                .containsExactly(16_384, 16_384, 16_384, 16_384);
        assertThat(frames).extracting(Frame::endMessage).containsExactly(false, false, false, true);
    }

    @Test
    void streamsThatShareAPassTakeTurnsInInterleavedFrames() {
        start(MESSAGE);
        MuxStream a = open(1);
        MuxStream b = open(3);
        byte[] ma = message(1);
        byte[] mb = message(2);
        // Both queued before the pass runs (the write pass is a task of the event loop).
        assertThat(a.trySend(Unpooled.wrappedBuffer(ma))).isTrue();
        assertThat(b.trySend(Unpooled.wrappedBuffer(mb))).isTrue();
        List<Frame> frames = peer.drain();
        int piece = OutboundWriter.INTERLEAVED_FRAME_SIZE;
        assertThat(frames).hasSize(2 * MESSAGE / piece);
        assertThat(frames).extracting(Frame::streamId).containsExactly(1, 3, 1, 3, 1, 3, 1, 3);
        assertThat(frames).allSatisfy(f -> assertThat(f.payload()).hasSize(piece));
        byte[] ra = new byte[MESSAGE];
        byte[] rb = new byte[MESSAGE];
        for (int i = 0; i < frames.size(); i++) {
            byte[] dst = frames.get(i).streamId() == 1 ? ra : rb;
            System.arraycopy(frames.get(i).payload(), 0, dst, i / 2 * piece, piece);
        }
        assertThat(ra).isEqualTo(ma);
        assertThat(rb).isEqualTo(mb);
        assertThat(frames.get(frames.size() - 2).endMessage()).isTrue();
        assertThat(frames.get(frames.size() - 1).endMessage()).isTrue();
    }

    @Test
    void aStreamLeftAloneMidMessageSendsTheRestInOneFrame() {
        start(MESSAGE);
        MuxStream a = open(1);
        MuxStream b = open(3);
        byte[] ma = message(1);
        assertThat(a.trySend(Unpooled.wrappedBuffer(ma))).isTrue();
        assertThat(b.trySend(Unpooled.wrappedBuffer(new byte[100]))).isTrue(); // drains in its first turn
        List<Frame> frames = peer.drain();
        int piece = OutboundWriter.INTERLEAVED_FRAME_SIZE;
        assertThat(frames).extracting(Frame::streamId).containsExactly(1, 3, 1);
        assertThat(frames).extracting(f -> f.payload().length).containsExactly(piece, 100, MESSAGE - piece);
        assertThat(frames.get(2).endMessage()).isTrue();
    }
}
