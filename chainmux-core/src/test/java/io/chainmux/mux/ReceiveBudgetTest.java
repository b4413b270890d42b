package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.WireFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The receive budget: streams whose readers stop hold their floor and no more; others keep flowing;
 * admission, growth and renewals stay within the budget; credit the budget held back is granted
 * once it has room.
 */
class ReceiveBudgetTest {
    private static final int FLOOR = 32 * 1024;
    private final RecordingListener app = new RecordingListener();
    private ScriptedPeer peer;

    @AfterEach
    void tearDown() {
        if (peer != null) {
            peer.close();
        }
    }

    /** A connection (dialer) whose peer answered the RTT probe after 1 ms, so autotuning can act. */
    private ScriptedPeer start(MuxConfig config) {
        peer = new ScriptedPeer(config, true, app);
        peer.expect(FrameType.SETTINGS);
        peer.settings();
        Frame ping = peer.expect(FrameType.PING);
        peer.advance(1, TimeUnit.MILLISECONDS);
        peer.send(b -> FrameWriter.writePing(b, true, ping.opaque()));
        app.autoConsume = false;
        return peer;
    }

    private long stats(java.util.function.ToLongFunction<MuxStats> f) {
        return f.applyAsLong(peer.connection.stats());
    }

    /** Fills a stream's whole floor window with messages of 1023 bytes (charge 1024). */
    private void fill(int id) {
        for (int i = 0; i < FLOOR / 1024; i++) {
            peer.data(id, WireFormat.FLAG_END_MESSAGE, new byte[1023]);
        }
    }

    private static long updates(List<Frame> frames, int streamId) {
        return frames.stream().filter(f -> f.type() == FrameType.WINDOW_UPDATE && f.streamId() == streamId)
                .mapToLong(Frame::value).sum();
    }

    /**
     * 200 streams whose application reads nothing, each sent its whole 32 KiB window (6.4 MB, far
     * more than a 1 MiB connection window): the connection window keeps coming back on receipt, and
     * a stream that reads still gets its data and its credit. Before, the connection stalled once
     * 1 MiB was unread.
     */
    @Test
    void stalledStreamsHoldTheirFloorAndDoNotStopTheConnection() {
        start(MuxConfig.builder().initialConnectionWindow(1024 * 1024).maxConnectionWindow(1024 * 1024).build());
        int stalled = 200;
        long connectionCredit = 0;
        for (int i = 0; i < stalled; i++) {
            int id = 2 + 2 * i;
            peer.open(id, "n" + (i % 10));
            fill(id);
            connectionCredit += updates(peer.drain(), 0);
        }
        assertThat(peer.channel.isActive()).isTrue();
        assertThat(connectionCredit).as("connection credit returned on receipt")
                .isGreaterThanOrEqualTo((long) stalled * FLOOR - 1024 * 1024 / 4);
        assertThat(stats(MuxStats::receiveCommitted)).as("each stalled stream holds its floor")
                .isEqualTo((long) stalled * FLOOR);

        int reader = 2 + 2 * stalled;
        peer.open(reader, "reader");
        peer.drain();
        MuxStream r = app.opened.get(stalled);
        long streamCredit = 0;
        for (int i = 0; i < 256; i++) { // 8 windows' worth through one 32 KiB window
            peer.data(reader, WireFormat.FLAG_END_MESSAGE, new byte[1023]);
            r.consumed(1023);
            streamCredit += updates(peer.drain(), reader);
        }
        assertThat(app.payloads).hasSize(stalled * FLOOR / 1024 + 256);
        assertThat(streamCredit).as("the reader's credit keeps coming").isGreaterThanOrEqualTo(256L * 1024 - FLOOR);
        assertThat(stats(MuxStats::receiveCommittedPeak)).isLessThanOrEqualTo(MuxConfig.defaults().receiveBudget());
    }

    @Test
    void aStreamWhoseFloorDoesNotFitIsRefusedAndTheConnectionGoesOn() {
        start(MuxConfig.builder().receiveBudget(4L * FLOOR).build());
        for (int i = 0; i < 4; i++) {
            peer.open(2 + 2 * i, "n");
        }
        peer.drain();
        peer.open(10, "n");
        Frame refused = peer.expect(FrameType.RESET, 10);
        assertThat(refused.code()).isEqualTo(ErrorCode.REFUSED_LIMIT);
        assertThat(stats(MuxStats::budgetExceeded)).isEqualTo(1);

        MuxStream local = peer.connection.openStream("n", 100, 1, app);
        peer.channel.runPendingTasks();
        assertThat(local.closeReason().code()).as("our own open does not fit either").isEqualTo(ErrorCode.REFUSED_LIMIT);

        peer.reset(2, ErrorCode.CANCEL); // a stream ends: its floor is free again
        peer.open(12, "n");
        assertThat(peer.drain()).noneMatch(f -> f.type() == FrameType.RESET);
        assertThat(peer.channel.isActive()).isTrue();
        assertThat(stats(MuxStats::receiveCommitted)).isEqualTo(4L * FLOOR);
    }

    /**
     * A reader fast enough to grow its window grows it only within the budget's growth share; once
     * other streams take the budget above that share, its renewals shrink it back toward the floor.
     */
    @Test
    void growthStaysWithinItsShareAndShrinksUnderPressure() {
        long budget = 1024 * 1024;
        start(MuxConfig.builder().receiveBudget(budget).build());
        peer.open(2, "bulk");
        peer.drain();
        MuxStream bulk = app.opened.get(0);
        for (int i = 0; i < 2000; i++) { // consumed at once: each half window within 2 RTT, so it grows
            peer.data(2, WireFormat.FLAG_END_MESSAGE, new byte[4095]);
            bulk.consumed(4095);
        }
        peer.drain();
        int grown = bulk.receiveWindow().size();
        assertThat(grown).as("grown beyond the floor").isGreaterThan(4 * FLOOR);
        assertThat(stats(MuxStats::receiveCommittedPeak)).as("within the growth share")
                .isLessThanOrEqualTo(budget * ReceiveBudget.GROWTH_SHARE_PERCENT / 100);

        int others = (int) ((budget - grown) / FLOOR) - 1; // floors that push it above the growth share
        for (int i = 0; i < others; i++) {
            peer.open(4 + 2 * i, "n");
        }
        peer.drain();
        assertThat(peer.connection.receiveFlow.budget().underPressure()).isTrue();
        peer.advance(1, TimeUnit.SECONDS); // slow now: no growth
        for (int i = 0; i < 200; i++) {
            peer.data(2, WireFormat.FLAG_END_MESSAGE, new byte[1023]);
            bulk.consumed(1023);
        }
        assertThat(bulk.receiveWindow().size()).as("renewals shrink it toward the floor").isLessThan(grown);
        assertThat(stats(MuxStats::receiveCommittedPeak)).isLessThanOrEqualTo(budget);
    }

    /**
     * Early credit for a message larger than the window waits while the budget is full, and is granted
     * as soon as another stream ends: the message completes, nothing is frozen.
     */
    @Test
    void creditTheBudgetHeldBackIsGrantedOnceItHasRoom() {
        start(MuxConfig.builder().receiveBudget(4L * FLOOR).autotuneWindows(false).build());
        for (int i = 0; i < 3; i++) {
            peer.open(2 + 2 * i, "stalled");
            fill(2 + 2 * i);
        }
        peer.open(8, "big");
        peer.drain();
        for (int i = 0; i < 2; i++) {
            peer.data(8, 0, new byte[16_384]); // a whole window of fragments; early credit has no room
        }
        assertThat(updates(peer.drain(), 8)).isZero();
        assertThat(stats(MuxStats::receiveCommitted)).isEqualTo(4L * FLOOR);

        peer.reset(2, ErrorCode.CANCEL);
        assertThat(updates(peer.drain(), 8)).as("granted once a stream ended").isEqualTo(2L * 16_384);
        peer.data(8, WireFormat.FLAG_END_MESSAGE, new byte[16_000]);
        assertThat(app.payloads.get(app.payloads.size() - 1)).hasSize(2 * 16_384 + 16_000);
        assertThat(stats(MuxStats::receiveCommittedPeak)).isLessThanOrEqualTo(4L * FLOOR);
    }

    /**
     * consumed() with more than arrived is refused at the call (MuxStream's public check) and
     * returns nothing: the peer's credit stays within the window.
     */
    @Test
    void anApplicationReportingTooMuchDoesNotInflateThePeersCredit() {
        start(MuxConfig.builder().autotuneWindows(false).build());
        peer.open(2, "n");
        peer.drain();
        MuxStream s = app.opened.get(0);
        fill(2);
        long committed = stats(MuxStats::receiveCommitted);
        assertThatThrownBy(() -> s.consumed(10_000_000)).isInstanceOf(IllegalArgumentException.class);
        assertThat(updates(peer.drain(), 2)).as("no credit back for a refused call").isZero();
        assertThat(stats(MuxStats::receiveCommitted)).isEqualTo(committed);
    }

    /**
     * The growth share goes to streams max-min fairly: a stream that grew into all of it shrinks
     * toward an equal share once another fast stream wants to grow, which then can. Before, the first
     * streams to grow kept the share and the others stayed at their floor (Jain's index 0.25 over
     * 100 saturating chains with 1 MiB windows).
     */
    @Test
    void growthIsSharedNotFirstComeFirstServed() {
        long budget = 1024 * 1024;
        start(MuxConfig.builder().receiveBudget(budget).build());
        peer.open(2, "first").open(4, "second");
        peer.drain();
        MuxStream first = app.opened.get(0);
        MuxStream second = app.opened.get(1);
        exchange(first, 2, 2000);
        int grown = first.receiveWindow().size();
        assertThat(grown).as("grew into the whole share").isGreaterThan(512 * 1024);
        exchange(second, 4, 400);
        int before = second.receiveWindow().size();
        exchange(second, 4, 400);
        assertThat(second.receiveWindow().size()).as("the share is used up: no more growth").isEqualTo(before);

        for (int round = 0; round < 20; round++) { // both fast now
            exchange(first, 2, 100);
            exchange(second, 4, 100);
        }
        assertThat(first.receiveWindow().size()).as("shrunk toward an equal share").isLessThan(grown);
        assertThat(second.receiveWindow().size()).as("grew once the first shrank").isGreaterThan(before);
        assertThat(stats(MuxStats::receiveCommittedPeak)).isLessThanOrEqualTo(budget);
    }

    /** {@code messages} messages of 4095 bytes on a stream, each consumed at once (time stands still: fast). */
    private void exchange(MuxStream s, int id, int messages) {
        for (int i = 0; i < messages; i++) {
            peer.data(id, WireFormat.FLAG_END_MESSAGE, new byte[4095]);
            s.consumed(4095);
        }
        peer.drain();
    }
}
