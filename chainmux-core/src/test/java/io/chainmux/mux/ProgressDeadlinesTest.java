package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.WireFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The message-progress deadline and endpoint-wide budget counting, against a scripted peer on an
 * EmbeddedChannel (time moves only when the test says).
 */
class ProgressDeadlinesTest {
    private final RecordingListener app = new RecordingListener();
    private ScriptedPeer peer;

    @AfterEach
    void close() {
        if (peer != null) {
            peer.close();
        }
    }

    @Test
    void aMessageTrickledByteByByteIsResetAndOnlyItsStream() {
        peer = new ScriptedPeer(MuxConfig.defaults(), true, app).handshake();
        peer.open(2, "trickle/sync/1").open(4, "honest/sync/1");
        peer.drain();
        // One byte every half second: 2 bytes/s, far below the 64 bytes/s a message must earn.
        int sent = 0;
        for (; sent < 400 && peer.channel.isActive(); sent++) {
            peer.data(2, 0, new byte[] {(byte) sent});
            peer.message(4, "tick " + sent);
            peer.advance(500, TimeUnit.MILLISECONDS);
            if (app.closes.size() > 0) {
                break;
            }
        }
        List<Frame> out = peer.drain();
        Frame reset = out.stream().filter(f -> f.type() == FrameType.RESET).findFirst().orElseThrow();
        assertThat(reset.streamId()).isEqualTo(2);
        assertThat(reset.code()).isEqualTo(ErrorCode.MESSAGE_TIMEOUT);
        assertThat(out).noneMatch(f -> f.type() == FrameType.GO_AWAY);
        // Reset within the deadline (60 s + 1 s per 64 bytes) plus one check period (15 s).
        assertThat(sent * 500L).isBetween(60_000L, 60_000L + 15_000L + 2_000L);
        assertThat(app.closes).singleElement().satisfies(r -> assertThat(r.code()).isEqualTo(ErrorCode.MESSAGE_TIMEOUT));
        assertThat(peer.connection.stats().budgetExceeded(Budget.MESSAGE_PROGRESS)).isEqualTo(1);
        // The other stream carries on.
        peer.message(4, "still here");
        assertThat(app.messages).last().isEqualTo("still here");
        assertThat(peer.channel.isActive()).isTrue();
    }

    @Test
    void aLargeMessageOverASlowSharedLinkIsNotReset() {
        // 1000 chains catching up over one slow link: this stream sees one 16 KiB fragment every 2 minutes.
        peer = new ScriptedPeer(MuxConfig.defaults(), true, app).handshake();
        peer.open(2, "catch-up/sync/1");
        byte[] fragment = new byte[16 * 1024];
        for (int i = 0; i < 8; i++) {
            peer.data(2, i == 7 ? WireFormat.FLAG_END_MESSAGE : 0, fragment);
            if (i < 7) {
                peer.advance(120, TimeUnit.SECONDS);
            }
        }
        assertThat(peer.drain()).noneMatch(f -> f.type() == FrameType.RESET);
        assertThat(app.payloads).singleElement().satisfies(p -> assertThat(p).hasSize(8 * 16 * 1024));
        assertThat(app.closes).isEmpty();
    }

    @Test
    void theDeadlineIsConfigurable() {
        MuxConfig config = MuxConfig.builder().messageTimeout(Duration.ofSeconds(2)).minMessageRate(1024).build();
        peer = new ScriptedPeer(config, true, app).handshake();
        peer.open(2, "n/sync/1");
        peer.data(2, 0, new byte[100]);
        peer.advance(1, TimeUnit.SECONDS);
        assertThat(peer.drain()).noneMatch(f -> f.type() == FrameType.RESET);
        peer.advance(2, TimeUnit.SECONDS);
        assertThat(peer.drain()).anySatisfy(f -> {
            assertThat(f.type()).isEqualTo(FrameType.RESET);
            assertThat(f.code()).isEqualTo(ErrorCode.MESSAGE_TIMEOUT);
        });
    }

    @Test
    void budgetHitsAreCountedEndpointWideAfterTheConnectionClosed() {
        MuxTotals totals = new MuxTotals();
        MuxConfig config = MuxConfig.builder().pings(RateLimit.of(3, Duration.ofSeconds(10))).build();
        peer = new ScriptedPeer(config, true, app, totals).handshake();
        peer.open(2, "n/sync/1").reset(2, ErrorCode.CANCEL);
        for (int i = 0; i < 4; i++) {
            peer.ping(i);
        }
        Frame goAway = peer.drain().stream().filter(f -> f.type() == FrameType.GO_AWAY).findFirst().orElseThrow();
        assertThat(goAway.code()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        assertThat(peer.connection.brokenBudget()).isEqualTo(Budget.PINGS);
        peer.channel.close();
        peer.channel.runPendingTasks();
        assertThat(peer.connection.isClosed()).isTrue();
        assertThat(totals.liveConnections()).isEmpty();
        // Counted after the close: the connection is gone, its counts are not.
        assertThat(totals.sum(s -> s.budgetExceeded(Budget.PINGS))).isEqualTo(1);
        assertThat(totals.sum(MuxStats::budgetExceeded)).isEqualTo(1);
        assertThat(totals.sum(MuxStats::resetsReceived)).isEqualTo(1);
        assertThat(app.connectionClosed.message()).contains("pings budget");
    }

    @Test
    void totalsNeverGoBackwardsAcrossAClose() {
        MuxTotals totals = new MuxTotals();
        peer = new ScriptedPeer(MuxConfig.defaults(), true, app, totals).handshake();
        peer.open(2, "n/sync/1").message(2, "hello");
        long live = totals.sum(MuxStats::messagesIn);
        assertThat(live).isEqualTo(1);
        peer.channel.close();
        peer.channel.runPendingTasks();
        assertThat(totals.sum(MuxStats::messagesIn)).isEqualTo(live);
    }
}
