package io.chainmux.mux;

import io.chainmux.wire.FrameType;
import io.chainmux.wire.Settings;
import io.chainmux.wire.SettingId;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sender's view of a peer that stops reading: a stream whose window runs out with data queued
 * is reported once per episode, and streams in that state cannot take the connection's send buffer
 * from streams that still flow.
 */
class SendBlockedTest {
    private static final int PEER_WINDOW = 1024;
    private final List<MuxStream> blocked = new ArrayList<>();
    private final RecordingListener app = new RecordingListener() {
        @Override
        public void onSendBlocked(MuxStream stream) {
            blocked.add(stream);
        }
    };
    private ScriptedPeer peer;

    @AfterEach
    void tearDown() {
        if (peer != null) {
            peer.close();
        }
    }

    /** A connection whose peer grants every stream a 1 KiB window and the connection plenty. */
    private void start(MuxConfig config) {
        peer = new ScriptedPeer(config, true, app);
        peer.expect(FrameType.SETTINGS);
        peer.settings(new Settings(SettingId.MAX_FRAME_SIZE.defaultValue, PEER_WINDOW, 1 << 30,
                SettingId.MAX_STREAMS.defaultValue, SettingId.MAX_MESSAGE_SIZE.defaultValue));
        peer.drain();
    }

    private MuxStream open(int id) {
        MuxStream s = peer.connection.openStream("n" + id, 1 << 20, 1, app);
        peer.channel.runPendingTasks();
        peer.accept(id);
        return s;
    }

    private static boolean send(MuxStream s, int bytes) {
        return s.trySend(Unpooled.wrappedBuffer(new byte[bytes]));
    }

    @Test
    void aStreamOutOfWindowWithDataQueuedIsReportedOncePerEpisode() {
        start(MuxConfig.defaults());
        MuxStream s = open(1);
        assertThat(send(s, 4000)).isTrue();
        peer.drain();
        assertThat(blocked).containsExactly(s);
        assertThat(s.isSendBlocked()).isTrue();
        assertThat(send(s, 10)).isTrue();
        peer.drain();
        assertThat(blocked).as("once per episode").hasSize(1);
        peer.windowUpdate(1, 1000);
        peer.drain();
        assertThat(blocked).as("a new episode after the window moved and ran out again").hasSize(2);
        peer.windowUpdate(1, 1 << 20);
        peer.drain();
        assertThat(s.isSendBlocked()).isFalse();
        assertThat(peer.connection.stats().sendBlocked()).isEqualTo(2);
    }

    /** The bytes send-blocked streams hold follow them: in while blocked, out on credit or when the stream ends. */
    @Test
    void theBytesBlockedStreamsHoldAreCountedWhileTheyAreBlocked() {
        start(MuxConfig.defaults());
        MuxStream a = open(1);
        MuxStream b = open(3);
        assertThat(send(a, 4000)).isTrue();
        assertThat(send(b, 6000)).isTrue();
        peer.drain(); // each sends its 1 KiB window and is blocked with the rest queued
        SendBudget budget = peer.connection.sendFlow.budget();
        assertThat(blocked).containsExactlyInAnyOrder(a, b);
        assertThat(budget.blocked()).isEqualTo(a.queuedBytes() + b.queuedBytes()).isPositive();
        assertThat(send(a, 100)).isTrue(); // queued while blocked: counted as blocked too
        assertThat(budget.blocked()).isEqualTo(a.queuedBytes() + b.queuedBytes());

        peer.windowUpdate(1, 1 << 20);
        peer.drain();
        assertThat(a.isSendBlocked()).isFalse();
        assertThat(budget.blocked()).as("only b's").isEqualTo(b.queuedBytes());
        peer.reset(3, io.chainmux.wire.ErrorCode.CANCEL);
        peer.drain();
        assertThat(budget.blocked()).as("b ended blocked: its bytes left with it").isZero();
        assertThat(budget.queued()).isZero();
    }

    /**
     * A connection buffer full of traffic that flows (here held back by the connection window, which
     * blocks no stream) gives no stream an allowance beyond it: every stream waits until it has
     * drained to half, then hears onWritable. With an allowance per flowing stream, 1000 equal streams
     * of small messages queued twice the limit.
     */
    @Test
    void aBufferFullOfFlowingTrafficRefusesEveryStreamUntilItDrainsToHalf() {
        peer = new ScriptedPeer(MuxConfig.builder().streamSendBuffer(64 * 1024).connectionSendBuffer(96 * 1024).build(),
                true, app);
        peer.expect(FrameType.SETTINGS);
        peer.settings(new Settings(SettingId.MAX_FRAME_SIZE.defaultValue, 1 << 20, 1024,
                SettingId.MAX_STREAMS.defaultValue, SettingId.MAX_MESSAGE_SIZE.defaultValue));
        peer.drain();
        MuxStream first = open(1);
        MuxStream second = open(3);
        MuxStream third = open(5);
        int sent = 0;
        for (MuxStream s : List.of(first, second)) {
            for (int i = 0; i < 100 && send(s, 8 * 1024); i++) {
                sent++;
                peer.drain();
            }
        }
        assertThat(peer.connection.queuedBytes()).as("the connection buffer is full").isGreaterThanOrEqualTo(96 * 1024);
        assertThat(blocked).as("no stream is send-blocked: the connection window holds them").isEmpty();
        assertThat(send(third, 8 * 1024)).as("no allowance beyond a buffer of flowing traffic").isFalse();

        peer.windowUpdate(0, 64 * 1024); // the connection window moves: the queues drain below half
        peer.drain();
        assertThat(peer.connection.queuedBytes()).isLessThanOrEqualTo(48 * 1024);
        assertThat(app.writable).as("told once the buffer drained to half").contains(third);
        assertThat(send(third, 8 * 1024)).isTrue();
        assertThat(sent).as("the first two streams filled it").isGreaterThanOrEqualTo(12);
    }

    /**
     * Three streams whose peer reads nothing fill the connection's send buffer; a fourth still sends,
     * is told when it has room, and goes on once its peer returns credit. Before, a full connection
     * buffer refused every stream until it drained, which blocked streams never let it do.
     */
    @Test
    void streamsWhosePeerStoppedReadingCannotTakeTheSendBufferFromOthers() {
        // A blocked stream holds its window plus UNCREDITED_ALLOWANCE (about 40 KiB here): three fill 96 KiB.
        start(MuxConfig.builder().streamSendBuffer(64 * 1024).connectionSendBuffer(96 * 1024).build());
        for (int id = 1; id <= 5; id += 2) {
            MuxStream s = open(id);
            while (send(s, 8 * 1024)) {
                peer.drain(); // until this stream is refused
            }
        }
        assertThat(blocked).hasSize(3);
        assertThat(peer.connection.queuedBytes()).as("the connection buffer is full").isGreaterThanOrEqualTo(96 * 1024);

        MuxStream flowing = open(7);
        assertThat(send(flowing, 8 * 1024)).as("a stream that flows keeps an allowance").isTrue();
        peer.drain();
        assertThat(flowing.isSendBlocked()).isTrue(); // its 1 KiB window is used up too
        assertThat(send(flowing, 8 * 1024)).as("blocked now, while the connection buffer is full").isFalse();
        peer.windowUpdate(7, 1 << 20);
        peer.drain();
        assertThat(app.writable).as("told once its queue drained").contains(flowing);
        assertThat(send(flowing, 8 * 1024)).isTrue();
        assertThat(app.writable).doesNotContain(peer.connection.registry.get(1));
    }
}
