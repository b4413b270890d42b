package io.chainmux.mux;

import io.chainmux.wire.FrameType;
import io.chainmux.wire.SettingId;
import io.chainmux.wire.Settings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stream takes at most its send window plus {@link SendFlowControl#UNCREDITED_ALLOWANCE} of
 * messages that cannot go out yet. A sender on the event loop that could fill its whole send buffer
 * (256 KiB per stream) while its stream waits for the peer's ACCEPT or credit kept that loop from
 * reading the ACCEPT and the credit: with 50 streams of 100-byte messages under the paranoid leak
 * detector the connection stood still for a second and more (ContenderTest's small-message run).
 * Runs on an EmbeddedChannel, so every send is a send from the event loop.
 */
class UncreditedSendTest {
    private static final int WINDOW = 32 * 1024;
    private static final int MESSAGE = 100;
    private final RecordingListener app = new RecordingListener();
    private ScriptedPeer peer;

    @AfterEach
    void tearDown() {
        if (peer != null) {
            peer.close();
        }
    }

    private void start() {
        peer = new ScriptedPeer(MuxConfig.defaults(), true, app);
        peer.expect(FrameType.SETTINGS);
        peer.settings(new Settings(SettingId.MAX_FRAME_SIZE.defaultValue, WINDOW, 1 << 30,
                SettingId.MAX_STREAMS.defaultValue, SettingId.MAX_MESSAGE_SIZE.defaultValue));
        peer.drain();
    }

    private static ByteBuf message() {
        return Unpooled.wrappedBuffer(new byte[MESSAGE]);
    }

    /** Sends from the loop until refused (bounded); returns the bytes the stream took. */
    private long fill(MuxStream s) {
        long taken = 0;
        for (int i = 0; i < 10_000 && s.trySendCopy(message()); i++) {
            taken += MESSAGE;
            peer.channel.runPendingTasks(); // the write passes the sends asked for
        }
        return taken;
    }

    @Test
    void aStreamWaitingForItsAcceptTakesItsWindowAndAnAllowanceThenHearsOnWritableOnceCreditComes() {
        start();
        MuxStream s = peer.connection.openStream("n", 1 << 20, 1, app);
        peer.channel.runPendingTasks();

        long taken = fill(s);
        assertThat(s.state()).isEqualTo(StreamState.OPENING);
        assertThat(taken).as("bytes taken before the peer's ACCEPT or any credit")
                .isGreaterThan(WINDOW / 2 + SendFlowControl.UNCREDITED_ALLOWANCE) // the window, less a byte per message end
                .isLessThanOrEqualTo(WINDOW + SendFlowControl.UNCREDITED_ALLOWANCE + MESSAGE);
        assertThat(s.queuedBytes()).isLessThanOrEqualTo(SendFlowControl.UNCREDITED_ALLOWANCE + MESSAGE);
        assertThat(s.isWritable()).isFalse();
        assertThat(app.writable).isEmpty();

        peer.accept(1);
        peer.windowUpdate(1, 4 * WINDOW);
        peer.drain();
        assertThat(s.queuedBytes()).as("the queue went out with the credit").isZero();
        assertThat(app.writable).as("told once credit came").containsExactly(s);
        assertThat(fill(s)).as("and takes the new window plus the allowance")
                .isGreaterThan(2L * WINDOW + SendFlowControl.UNCREDITED_ALLOWANCE);
    }

    @Test
    void aMessageLargerThanTheAllowanceIsStillTakenByAnEmptyQueue() {
        start();
        MuxStream s = peer.connection.openStream("n", 1 << 20, 1, app);
        peer.channel.runPendingTasks();
        peer.accept(1);
        assertThat(s.trySend(Unpooled.wrappedBuffer(new byte[WINDOW - 1]))).isTrue(); // spends the window: length + 1
        peer.drain();
        assertThat(s.queuedBytes()).isZero();
        assertThat(s.trySend(Unpooled.wrappedBuffer(new byte[4 * SendFlowControl.UNCREDITED_ALLOWANCE])))
                .as("one large message with nothing queued").isTrue();
        assertThat(s.trySend(message())).as("nothing more until it is sent").isFalse();
    }
}
