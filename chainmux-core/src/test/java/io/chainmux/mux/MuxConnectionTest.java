package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.Settings;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The connection state machine against a scripted peer on an EmbeddedChannel. */
class MuxConnectionTest {
    private final RecordingListener app = new RecordingListener();
    private ScriptedPeer peer;

    @AfterEach
    void tearDown() {
        if (peer != null) {
            peer.close();
        }
    }

    private ScriptedPeer start() {
        peer = ScriptedPeer.dialer(app);
        return peer.handshake();
    }

    private static ByteBufHolder text(String s) {
        return new ByteBufHolder(s);
    }

    /** Tiny helper so tests read as "send text". */
    private record ByteBufHolder(String s) {
        io.netty.buffer.ByteBuf buf() {
            return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
        }
    }

    @Test
    void sendsSettingsFirstAndProbesRttOnPeerSettings() {
        peer = ScriptedPeer.dialer(app);
        Frame settings = peer.expect(FrameType.SETTINGS);
        assertThat(settings.settings()).isEqualTo(MuxConfig.defaults().settings());
        peer.expectNothing();
        peer.settings();
        Frame ping = peer.expect(FrameType.PING);
        assertThat(ping.flags()).isZero();
        peer.send(b -> FrameWriter.writePing(b, true, ping.opaque()));
        assertThat(peer.connection.rtt()).isNotNull();
    }

    @Test
    void holdsNoOutputBufferBetweenPasses() {
        // A connection whose channel vanished without a close event (event loop torn down) leaked the
        // batch buffer it kept between passes; it must keep none once a pass has flushed.
        start();
        assertThat(peer.connection.holdsOutputBuffer()).isFalse();
        MuxStream stream = peer.connection.openStream("chain-1/sync/1", 1000, 1, app);
        peer.expect(FrameType.OPEN);
        assertThat(peer.connection.holdsOutputBuffer()).isFalse();
        peer.ping(9);
        peer.expect(FrameType.PING);
        assertThat(peer.connection.holdsOutputBuffer()).isFalse();
        assertThat(stream).isNotNull();
    }

    @Test
    void frameBeforeSettingsIsAProtocolError() {
        peer = ScriptedPeer.dialer(app);
        peer.expect(FrameType.SETTINGS);
        peer.ping(7);
        Frame goAway = peer.expect(FrameType.GO_AWAY);
        assertThat(goAway.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        assertThat(goAway.text()).contains("before SETTINGS");
        assertThat(peer.channel.isActive()).isFalse();
        assertThat(app.connectionClosed.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void aFailureInsideTheWritePassEndsTheConnectionInsteadOfFreezingIt() {
        start();
        MuxStream s = peer.connection.openStream("n", 100, 1, app);
        peer.expect(FrameType.OPEN);
        // A payload that breaks when the write pass slices it onto the wire: a stand-in for any bug there.
        ByteBuf poisoned = new UnpooledHeapByteBuf(UnpooledByteBufAllocator.DEFAULT, 4096, 4096) {
            @Override
            public ByteBuf readRetainedSlice(int length) {
                throw new IllegalStateException("injected failure");
            }
        }.writeZero(4096);
        assertThat(s.trySend(poisoned)).isTrue();
        Frame goAway = peer.expect(FrameType.GO_AWAY);
        assertThat(goAway.code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(peer.channel.isActive()).isFalse();
        assertThat(app.connectionClosed.code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(app.closes).extracting(CloseReason::code).containsExactly(ErrorCode.INTERNAL_ERROR);
        assertThat(poisoned.refCnt()).as("released once, with the stream").isZero();
    }

    @Test
    void secondSettingsIsAProtocolError() {
        start().settings();
        assertThat(peer.expect(FrameType.GO_AWAY).code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void settingsTimeoutClosesTheConnection() {
        peer = ScriptedPeer.dialer(app);
        peer.expect(FrameType.SETTINGS);
        peer.advance(9, TimeUnit.SECONDS);
        assertThat(peer.channel.isActive()).isTrue();
        peer.advance(2, TimeUnit.SECONDS);
        assertThat(peer.expect(FrameType.GO_AWAY).code()).isEqualTo(ErrorCode.SETTINGS_TIMEOUT);
        assertThat(peer.channel.isActive()).isFalse();
    }

    @Test
    void opensWithOddIdsAndSendsDataBeforeAccept() {
        start();
        MuxStream s = peer.connection.openStream("chain-1/sync/1", 1000, 1, app);
        assertThat(s.trySend(text("hello").buf())).isTrue();
        Frame open = peer.expect(FrameType.OPEN, 1);
        assertThat(open.text()).isEqualTo("chain-1/sync/1");
        assertThat(open.value()).isEqualTo(1000);
        Frame data = peer.expect(FrameType.DATA, 1);
        assertThat(data.endMessage()).isTrue();
        assertThat(new String(data.payload(), StandardCharsets.UTF_8)).isEqualTo("hello");
        MuxStream s2 = peer.connection.openStream("chain-2/sync/1", 1000, 1, app);
        peer.expect(FrameType.OPEN, 3);
        assertThat(s2.id()).isEqualTo(3);
        assertThat(s.state()).isEqualTo(StreamState.OPENING);
        peer.accept(1);
        assertThat(app.accepted).containsExactly(s);
        assertThat(s.state()).isEqualTo(StreamState.OPEN);
    }

    /** Inbound streams of one network share one network id string (8,000 streams per node held ~56 B each). */
    @Test
    void inboundStreamsOfOneNetworkShareItsIdString() {
        start();
        peer.open(2, "chain-7/sync/1");
        peer.open(4, "chain-7/sync/1");
        assertThat(app.opened).hasSize(2);
        assertThat(app.opened.get(0).networkId()).isEqualTo("chain-7/sync/1")
                .isSameAs(app.opened.get(1).networkId());
    }

    /** The stripe policy compares loads: every stream counts from its open until it ends, either way. */
    @Test
    void loadCountsEachStreamFromItsOpenUntilItEnds() {
        start();
        MuxStream out = peer.connection.openStream("chain-1/sync/1", 1000, 1, app);
        assertThat(peer.connection.load()).as("requested").isEqualTo(1);
        peer.expect(FrameType.OPEN, 1);
        peer.accept(1);
        assertThat(peer.connection.load()).as("open").isEqualTo(1);
        peer.open(2, "chain-2/sync/1");
        assertThat(peer.connection.load()).as("plus an inbound stream waiting for accept").isEqualTo(2);
        app.opened.get(0).accept(app, 100);
        assertThat(peer.connection.load()).as("accepted").isEqualTo(2);
        out.reset(ErrorCode.CANCEL);
        peer.reset(2, ErrorCode.CANCEL);
        assertThat(peer.connection.load()).as("both ended").isZero();
        peer.open(4, "chain-3/sync/1");
        app.opened.get(1).refuse(ErrorCode.REFUSED_BUSY, null);
        assertThat(peer.connection.load()).as("a refused inbound stream").isZero();
    }

    @Test
    void opensWaitForSettingsAndStreamCredit() {
        peer = ScriptedPeer.dialer(app);
        peer.expect(FrameType.SETTINGS);
        MuxStream a = peer.connection.openStream("n", 100, 1, app);
        MuxStream b = peer.connection.openStream("n", 100, 1, app);
        peer.expectNothing();
        peer.settings(new Settings(16384, 65536, 1 << 20, 1, 1 << 20));
        peer.expect(FrameType.PING);
        peer.expect(FrameType.OPEN, 1);
        peer.expectNothing();
        assertThat(a.id()).isEqualTo(1);
        assertThat(b.id()).isZero();
        assertThat(b.state()).isEqualTo(StreamState.NEW);
        peer.maxStreams(2);
        peer.expect(FrameType.OPEN, 3);
        assertThat(b.id()).isEqualTo(3);
    }

    @Test
    void fragmentsLargeMessagesAtThePeersMaxFrameSize() {
        start();
        MuxStream s = peer.connection.openStream("n", 100, 1, app);
        byte[] big = new byte[40_000];
        Arrays.fill(big, (byte) 7);
        s.trySend(Unpooled.wrappedBuffer(big));
        peer.expect(FrameType.OPEN);
        Frame f1 = peer.expect(FrameType.DATA, 1);
        Frame f2 = peer.expect(FrameType.DATA, 1);
        Frame f3 = peer.expect(FrameType.DATA, 1);
        assertThat(List.of(f1.payload().length, f2.payload().length, f3.payload().length))
                .containsExactly(16384, 16384, 7232);
        assertThat(List.of(f1.endMessage(), f2.endMessage(), f3.endMessage())).containsExactly(false, false, true);
    }

    @Test
    void acceptsInboundStreamsAndDeliversBacklogAfterAccept() {
        start();
        app.acceptInbound = false;
        peer.open(2, "chain-9/sync/1").message(2, "early");
        assertThat(app.opened).hasSize(1);
        MuxStream s = app.opened.get(0);
        assertThat(s.state()).isEqualTo(StreamState.PENDING_ACCEPT);
        assertThat(app.messages).isEmpty();
        s.accept(app, 500);
        Frame accept = peer.expect(FrameType.ACCEPT, 2);
        assertThat(accept.value()).isEqualTo(500);
        assertThat(app.messages).containsExactly("early");
        peer.message(2, "later");
        assertThat(app.messages).containsExactly("early", "later");
    }

    @Test
    void reassemblesFragmentsIntoOneMessage() {
        start();
        peer.open(2, "n");
        peer.data(2, 0, "hel".getBytes(StandardCharsets.UTF_8))
                .data(2, 0, "lo ".getBytes(StandardCharsets.UTF_8))
                .data(2, WireFormat.FLAG_END_MESSAGE, "world".getBytes(StandardCharsets.UTF_8))
                .data(2, WireFormat.FLAG_END_MESSAGE, new byte[0]);
        assertThat(app.messages).containsExactly("hello world", "");
    }

    @Test
    void returnsCreditOnlyWhenTheApplicationConsumes() {
        peer = new ScriptedPeer(MuxConfig.builder().initialStreamWindow(256 * 1024).build(), true, app);
        peer.handshake();
        app.autoConsume = false;
        peer.open(2, "n");
        peer.expect(FrameType.ACCEPT);
        byte[] chunk = new byte[16_000];
        for (int i = 0; i < 9; i++) {
            peer.data(2, WireFormat.FLAG_END_MESSAGE, chunk);
        }
        // Connection credit returns on receipt, in 16 KiB steps (the sender steers its pipe by it);
        // the stream's credit waits for the application: 144,009 bytes received, nothing consumed.
        for (int i = 0; i < 4; i++) {
            assertThat(peer.expect(FrameType.WINDOW_UPDATE, 0).value()).isEqualTo(2 * 16_001);
        }
        peer.expectNothing();
        MuxStream s = app.opened.get(0);
        for (int i = 0; i < 4; i++) {
            s.consumed(16_000);
        }
        peer.expectNothing(); // 64,004 consumed: below a quarter of the 262,144 stream window
        s.consumed(16_000);
        Frame update = peer.expect(FrameType.WINDOW_UPDATE, 2);
        assertThat(update.value()).isGreaterThanOrEqualTo(5 * 16_001);
        for (int i = 0; i < 4; i++) {
            s.consumed(16_000);
        }
        peer.expectNothing(); // owed again: 64,004, below the quarter
    }

    /**
     * Autotuning doubles a stream window whose last half was used up within two round trips (the RTT
     * comes from the PING the connection sends with its SETTINGS, answered here after 1 ms), and only
     * then: a half window that took 10 ms is returned as credit, without growth.
     */
    @Test
    void autotuningGrowsOnlyAWindowUsedUpWithinTwoRoundTrips() {
        peer = ScriptedPeer.dialer(app);
        peer.expect(FrameType.SETTINGS);
        peer.settings();
        Frame ping = peer.expect(FrameType.PING);
        peer.advance(1, TimeUnit.MILLISECONDS);
        peer.send(b -> FrameWriter.writePing(b, true, ping.opaque()));
        app.autoConsume = false;
        peer.open(2, "n");
        peer.expect(FrameType.ACCEPT, 2);
        MuxStream s = app.opened.get(0);
        int window = MuxConfig.defaults().initialStreamWindow();
        byte[] chunk = new byte[16_000];

        peer.advance(10, TimeUnit.MILLISECONDS); // slower than two round trips
        List<Integer> slow = exchangeUntilCredited(s, chunk, window / 2);
        assertThat(slow).as("updates returning the half window used in 10 ms")
                .allMatch(v -> v < window / 2, "credit only, no growth");

        List<Integer> fast = exchangeUntilCredited(s, chunk, window / 2); // at once
        assertThat(fast).as("updates returning the half window used at once").anyMatch(v -> v >= window);
    }

    /**
     * The peer sends one-chunk messages and the app consumes each, until the stream's WINDOW_UPDATEs
     * have returned at least {@code credit} (or a bound of chunks is reached); returns the updates.
     */
    private List<Integer> exchangeUntilCredited(MuxStream s, byte[] chunk, int credit) {
        List<Integer> updates = new ArrayList<>();
        long returned = 0;
        for (int i = 0; i < 64 && returned < credit; i++) {
            peer.data(2, WireFormat.FLAG_END_MESSAGE, chunk);
            s.consumed(chunk.length);
            for (Frame f : peer.drain()) {
                if (f.type() == FrameType.WINDOW_UPDATE && f.streamId() == 2) {
                    updates.add(f.value());
                    returned += f.value();
                }
            }
        }
        assertThat(returned).as("credit returned within 64 chunks").isGreaterThanOrEqualTo(credit);
        return updates;
    }

    @Test
    void aWindowUpdateTakingAStreamsSendWindowAbove2To31IsAFlowControlError() {
        peer = new ScriptedPeer(MuxConfig.builder().initialStreamWindow(256 * 1024).build(), true, app);
        peer.handshake();
        peer.open(2, "n");
        peer.windowUpdate(2, Integer.MAX_VALUE - 256 * 1024); // exactly 2^31 - 1: allowed
        assertThat(peer.channel.isActive()).isTrue();
        peer.windowUpdate(2, 1); // the window is an int: one more must be caught before it is added
        Frame goAway = peer.drain().stream().filter(f -> f.type() == FrameType.GO_AWAY).findFirst().orElseThrow();
        assertThat(goAway.code()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR);
    }

    @Test
    void peerExceedingTheStreamWindowIsAFlowControlError() {
        peer = new ScriptedPeer(MuxConfig.builder().initialStreamWindow(256 * 1024).build(), true, app);
        peer.handshake();
        app.autoConsume = false;
        peer.open(2, "n");
        byte[] chunk = new byte[16_383];
        for (int i = 0; i < 16; i++) {
            peer.data(2, WireFormat.FLAG_END_MESSAGE, chunk); // 16 x 16,384 = 262,144: exactly the window
        }
        assertThat(peer.channel.isActive()).isTrue();
        peer.data(2, WireFormat.FLAG_END_MESSAGE, new byte[0]);
        Frame goAway = peer.drain().stream().filter(f -> f.type() == FrameType.GO_AWAY).findFirst().orElseThrow();
        assertThat(goAway.code()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR);
    }

    /**
     * A message that arrives in fragments is reassembled in a buffer sized for the last such message
     * on the connection, so a transfer of equal messages does not grow (and copy) each one's buffer
     * again: before, each 40,000-byte message started at twice its first fragment and grew to 64 KiB.
     */
    @Test
    void repeatedFragmentedMessagesAreReassembledWithoutGrowing() {
        peer = new ScriptedPeer(MuxConfig.builder().initialStreamWindow(256 * 1024).build(), true, app);
        peer.handshake();
        peer.open(2, "n");
        for (int i = 0; i < 3; i++) {
            peer.data(2, 0, new byte[16_000]);
            peer.data(2, 0, new byte[16_000]);
            peer.data(2, WireFormat.FLAG_END_MESSAGE, new byte[8_000]);
        }
        assertThat(app.payloads).hasSize(3).allMatch(p -> p.length == 40_000);
        assertThat(app.capacities.get(0)).as("the first: sized from its fragment, grown").isGreaterThan(40_000);
        assertThat(app.capacities.subList(1, 3)).as("the next: sized for the last").containsOnly(40_000);
    }

    @Test
    void fragmentsOfAMessageLargerThanTheWindowAreCreditedOnArrival() {
        peer = new ScriptedPeer(MuxConfig.builder().autotuneWindows(false).build(), true, app);
        peer.handshake();
        app.autoConsume = false;
        peer.open(2, "n");
        peer.expect(FrameType.ACCEPT);
        byte[] chunk = new byte[16_384];
        for (int i = 0; i < 40; i++) {
            peer.data(2, 0, chunk); // 655,360 bytes in assembly: more than the 262,144 window
        }
        assertThat(peer.drain()).anySatisfy(f -> assertThat(f.type()).isEqualTo(FrameType.WINDOW_UPDATE));
        peer.data(2, WireFormat.FLAG_END_MESSAGE, new byte[10]);
        assertThat(app.payloads).hasSize(1);
        assertThat(app.payloads.get(0)).hasSize(40 * 16_384 + 10);
        peer.drain();
        // while that message is unconsumed, fragments of the next one are held back
        for (int i = 0; i < 17 && peer.channel.isActive(); i++) {
            peer.data(2, 0, chunk);
        }
        assertThat(peer.channel.isActive()).as("17 x 16 KiB exceeds the window").isFalse();
    }

    @Test
    void sendingStopsAtTheWindowAndResumesOnUpdate() {
        peer = ScriptedPeer.dialer(app);
        peer.expect(FrameType.SETTINGS);
        peer.settings(new Settings(16384, 20_000, 1 << 24, 10, 1 << 24));
        peer.expect(FrameType.PING);
        MuxStream s = peer.connection.openStream("n", 100, 1, app);
        s.trySend(Unpooled.wrappedBuffer(new byte[30_000]));
        peer.expect(FrameType.OPEN);
        assertThat(peer.expect(FrameType.DATA).payload()).hasSize(16384);
        Frame partial = peer.expect(FrameType.DATA);
        assertThat(partial.payload()).hasSize(20_000 - 16384);
        assertThat(partial.endMessage()).isFalse();
        peer.expectNothing();
        assertThat(peer.connection.stats().sendWindowStalls()).isPositive();
        peer.windowUpdate(1, 10_001);
        Frame rest = peer.expect(FrameType.DATA);
        assertThat(rest.payload()).hasSize(30_000 - 20_000);
        assertThat(rest.endMessage()).isTrue();
    }

    @Test
    void messageTooLargeResetsOnlyThatStream() {
        start();
        app.acceptInbound = false;
        peer.open(2, "a").open(4, "b");
        app.opened.get(0).accept(app, 100);
        app.opened.get(1).accept(app, 100);
        peer.drain();
        peer.data(2, 0, new byte[100]);
        assertThat(app.closes).isEmpty();
        peer.data(2, WireFormat.FLAG_END_MESSAGE, new byte[50]);
        Frame reset = peer.expect(FrameType.RESET, 2);
        assertThat(reset.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(app.closes).extracting(CloseReason::code).containsExactly(ErrorCode.MESSAGE_TOO_LARGE);
        peer.message(4, "still fine");
        assertThat(app.messages).containsExactly("still fine");
        assertThat(peer.channel.isActive()).isTrue();
    }

    @Test
    void partialMessagesBeyondTheReassemblyBudgetResetTheirStream() {
        peer = new ScriptedPeer(MuxConfig.builder().maxMessageSize(1000).maxReassemblyBytes(1500).build(), true, app);
        peer.handshake();
        peer.open(2, "a").open(4, "b");
        peer.drain();
        peer.data(2, 0, new byte[900]);
        peer.data(4, 0, new byte[900]);
        Frame reset = peer.expect(FrameType.RESET, 4);
        assertThat(reset.code()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        peer.data(2, WireFormat.FLAG_END_MESSAGE, new byte[100]);
        assertThat(app.payloads).hasSize(1);
        assertThat(app.payloads.get(0)).hasSize(1000);
        peer.data(2, 0, new byte[900]); // the budget was freed by the delivered message
        assertThat(peer.channel.isActive()).isTrue();
        assertThatThrownBy(() -> MuxConfig.builder().maxMessageSize(1000).maxReassemblyBytes(999).build())
                .hasMessageContaining("maxReassemblyBytes");
    }

    @Test
    void halfCloseInBothDirectionsEndsTheStreamNormally() {
        start();
        MuxStream s = peer.connection.openStream("n", 100, 1, app);
        peer.expect(FrameType.OPEN);
        peer.accept(1);
        s.trySend(text("last").buf());
        s.close();
        Frame data = peer.expect(FrameType.DATA, 1);
        assertThat(data.endMessage()).isTrue();
        if (!data.fin()) {
            Frame fin = peer.expect(FrameType.DATA, 1); // FIN may ride on the last message or follow it
            assertThat(fin.fin()).isTrue();
            assertThat(fin.payload()).isEmpty();
        }
        assertThat(s.state()).isEqualTo(StreamState.HALF_CLOSED_LOCAL);
        assertThatThrownBy(() -> s.trySend(text("more").buf())).isInstanceOf(IllegalStateException.class);
        peer.message(1, "reply").fin(1);
        assertThat(app.messages).containsExactly("reply");
        assertThat(app.closes).containsExactly(CloseReason.NORMAL);
        assertThat(s.state()).isEqualTo(StreamState.CLOSED);
        assertThat(peer.connection.streamCount()).isZero();
    }

    @Test
    void dataAfterFinResetsTheStream() {
        start();
        peer.open(2, "n").fin(2);
        assertThat(app.remoteClosed).hasSize(1);
        peer.message(2, "too late");
        Frame reset = peer.drain().stream().filter(f -> f.type() == FrameType.RESET).findFirst().orElseThrow();
        assertThat(reset.code()).isEqualTo(ErrorCode.STREAM_CLOSED);
    }

    @Test
    void resetFromPeerCarriesCodeAndDetail() {
        start();
        MuxStream s = peer.connection.openStream("n", 100, 1, app);
        s.trySend(text("x").buf());
        peer.drain();
        byte[] detail = "try 127.0.0.2:7000".getBytes(StandardCharsets.UTF_8);
        peer.send(b -> FrameWriter.writeReset(b, 1, ErrorCode.REFUSED_BUSY, Unpooled.wrappedBuffer(detail)));
        assertThat(app.closes).hasSize(1);
        CloseReason r = app.closes.get(0);
        assertThat(r.code()).isEqualTo(ErrorCode.REFUSED_BUSY);
        assertThat(r.remote()).isTrue();
        assertThat(r.detailText()).isEqualTo("try 127.0.0.2:7000");
        // frames in flight for the reset stream are ignored; the connection window credit comes back
        peer.message(1, "late");
        assertThat(peer.channel.isActive()).isTrue();
    }

    @Test
    void refusalsAtThePendingAcceptAndPerNetworkLimits() {
        MuxConfig config = MuxConfig.builder().maxPendingAccepts(2).maxStreamsPerNetwork(3).build();
        peer = new ScriptedPeer(config, true, app);
        peer.handshake();
        app.acceptInbound = false;
        peer.open(2, "n").open(4, "n").open(6, "n");
        Frame refused = peer.expect(FrameType.RESET, 6);
        assertThat(refused.code()).isEqualTo(ErrorCode.REFUSED_LIMIT);
        app.acceptInbound = true;
        app.opened.get(0).accept(app, 100);
        app.opened.get(1).accept(app, 100);
        peer.drain();
        peer.open(8, "n");
        peer.expect(FrameType.ACCEPT, 8);
        peer.open(10, "n");
        assertThat(peer.expect(FrameType.RESET, 10).code()).isEqualTo(ErrorCode.REFUSED_LIMIT);
        peer.open(12, "other");
        peer.expect(FrameType.ACCEPT, 12);
        assertThat(peer.connection.stats().streamsRefusedLocal()).isEqualTo(2);
    }

    @Test
    void refuseWithDetailReachesThePeer() {
        start();
        app.acceptInbound = false;
        peer.open(2, "n");
        app.opened.get(0).refuse(ErrorCode.REFUSED_BUSY, "alt".getBytes(StandardCharsets.UTF_8));
        Frame reset = peer.expect(FrameType.RESET, 2);
        assertThat(reset.code()).isEqualTo(ErrorCode.REFUSED_BUSY);
        assertThat(new String(reset.payload(), StandardCharsets.UTF_8)).isEqualTo("alt");
        assertThatThrownBy(() -> app.opened.get(0).refuse(ErrorCode.CANCEL, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void streamCreditIsEnforcedAndReturned() {
        MuxConfig config = MuxConfig.builder().maxInboundStreams(2).build();
        peer = new ScriptedPeer(config, true, app);
        peer.handshake();
        peer.open(2, "n").open(4, "n");
        peer.drain();
        peer.fin(2);
        app.opened.get(0).close();
        Frame maxStreams = peer.drain().stream().filter(f -> f.type() == FrameType.MAX_STREAMS).findFirst()
                .orElseThrow();
        assertThat(maxStreams.value()).isEqualTo(3);
        peer.open(6, "n");
        peer.expect(FrameType.ACCEPT, 6);
        peer.open(8, "n");
        assertThat(peer.expect(FrameType.GO_AWAY).code()).isEqualTo(ErrorCode.STREAM_LIMIT_ERROR);
    }

    @Test
    void idleAndWrongParityStreamsAreProtocolErrors() {
        start();
        peer.message(2, "never opened");
        assertThat(peer.expect(FrameType.GO_AWAY).code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        peer.close();
        peer = ScriptedPeer.dialer(app).handshake();
        peer.open(3, "n");
        assertThat(peer.expect(FrameType.GO_AWAY).text()).contains("our parity");
        peer.close();
        peer = ScriptedPeer.dialer(app).handshake();
        peer.open(4, "n").open(2, "n");
        peer.expect(FrameType.ACCEPT);
        assertThat(peer.expect(FrameType.GO_AWAY).text()).contains("not above");
    }

    @Test
    void answersPingsAndStopsAPingFlood() {
        start();
        peer.ping(42);
        Frame ack = peer.expect(FrameType.PING);
        assertThat(ack.flags()).isEqualTo(WireFormat.FLAG_ACK);
        assertThat(ack.opaque()).isEqualTo(42);
        for (int i = 0; i < 99; i++) {
            peer.ping(i);
        }
        assertThat(peer.drain()).hasSize(99);
        peer.ping(1000);
        assertThat(peer.expect(FrameType.GO_AWAY).code()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        assertThat(peer.connection.stats().budgetExceeded()).isEqualTo(1);
    }

    @Test
    void pingBudgetRefillsAfterItsWindow() {
        start();
        for (int i = 0; i < 100; i++) {
            peer.ping(i);
        }
        peer.advance(11, TimeUnit.SECONDS);
        peer.ping(1);
        assertThat(peer.drain()).allMatch(f -> f.type() == FrameType.PING);
        assertThat(peer.channel.isActive()).isTrue();
    }

    @Test
    void rapidResetFloodIsStopped() {
        MuxConfig config = MuxConfig.builder().receivedResets(RateLimit.of(10, java.time.Duration.ofSeconds(30)))
                .build();
        peer = new ScriptedPeer(config, true, app);
        peer.handshake();
        for (int i = 0; i < 10; i++) {
            int id = 2 + 2 * i;
            peer.open(id, "n").reset(id, ErrorCode.CANCEL);
        }
        assertThat(peer.channel.isActive()).isTrue();
        peer.open(100, "n").reset(100, ErrorCode.CANCEL);
        Frame goAway = peer.drain().stream().filter(f -> f.type() == FrameType.GO_AWAY).findFirst().orElseThrow();
        assertThat(goAway.code()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
    }

    @Test
    void endsOfEstablishedStreamsAtThousandNetworksDoNotTripTheResetBudget() {
        start();
        int networks = 1000;
        for (int i = 0; i < networks; i++) {
            peer.open(2 + 2 * i, "chain-" + i + "/sync/1");
        }
        peer.advance(2, TimeUnit.SECONDS); // established: older than the premature-reset age
        for (int i = 0; i < networks; i++) {
            peer.reset(2 + 2 * i, i % 2 == 0 ? ErrorCode.SESSION_TIMEOUT : ErrorCode.CANCEL);
        }
        assertThat(peer.drain()).noneMatch(f -> f.type() == FrameType.GO_AWAY);
        assertThat(peer.channel.isActive()).isTrue();
        assertThat(app.closes).hasSize(networks);
    }

    @Test
    void refusalsOfOurOpensAtThousandNetworksDoNotTripTheResetBudget() {
        start();
        int networks = 1000;
        for (int i = 0; i < networks; i++) {
            peer.connection.openStream("chain-" + i + "/sync/1", 1000, 1, app);
        }
        peer.drain();
        for (int i = 0; i < networks; i++) {
            peer.reset(1 + 2 * i, i % 2 == 0 ? ErrorCode.REFUSED_UNKNOWN_NETWORK : ErrorCode.REFUSED_BUSY);
        }
        assertThat(peer.drain()).noneMatch(f -> f.type() == FrameType.GO_AWAY);
        assertThat(peer.channel.isActive()).isTrue();
        assertThat(app.closes).extracting(CloseReason::code).allMatch(ErrorCode::isRefusal).hasSize(networks);
    }

    @Test
    void prematureResetsAreStoppedWhateverElseTheConnectionCarries() {
        start();
        for (int i = 0; i < 1000; i++) { // established streams of many networks: not counted
            peer.open(2 + 2 * i, "chain-" + i + "/sync/1");
        }
        peer.advance(2, TimeUnit.SECONDS);
        for (int i = 0; i < 1000; i++) {
            peer.reset(2 + 2 * i, ErrorCode.CANCEL);
        }
        for (int i = 0; i < 200; i++) { // rapid reset: open and cancel at once, the default budget
            int id = 2002 + 2 * i;
            peer.open(id, "n").reset(id, ErrorCode.CANCEL);
        }
        assertThat(peer.drain()).noneMatch(f -> f.type() == FrameType.GO_AWAY);
        peer.open(5000, "n").reset(5000, ErrorCode.CANCEL);
        Frame goAway = peer.drain().stream().filter(f -> f.type() == FrameType.GO_AWAY).findFirst().orElseThrow();
        assertThat(goAway.code()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
    }

    @Test
    void refusingEveryOpenOfThousandNetworksIsNotProvokedAbuse() {
        RecordingListener refusing = new RecordingListener() {
            @Override
            public void onStreamOpened(MuxStream stream) {
                stream.refuse(ErrorCode.REFUSED_UNKNOWN_NETWORK, null);
            }
        };
        peer = new ScriptedPeer(MuxConfig.defaults(), true, refusing);
        peer.handshake();
        for (int i = 0; i < 1000; i++) {
            peer.open(2 + 2 * i, "chain-" + i + "/sync/1");
        }
        List<Frame> frames = peer.drain();
        assertThat(frames).filteredOn(f -> f.type() == FrameType.RESET).hasSize(1000);
        assertThat(frames).noneMatch(f -> f.type() == FrameType.GO_AWAY);
        assertThat(peer.channel.isActive()).isTrue();
    }

    @Test
    void provokedResetFloodIsStopped() {
        // MadeYouReset: messages over the limit make us reset stream after stream; the window allows
        // the configured count plus one per stream the peer may hold open (10 + 16 here).
        MuxConfig config = MuxConfig.builder().maxMessageSize(1000).maxReassemblyBytes(1000).maxInboundStreams(16)
                .sentResets(RateLimit.of(10, java.time.Duration.ofSeconds(30))).build();
        peer = new ScriptedPeer(config, true, app);
        peer.handshake();
        int id = 2;
        for (int i = 0; i < 26; i++, id += 2) {
            peer.open(id, "n").data(id, WireFormat.FLAG_END_MESSAGE, new byte[1001]);
        }
        assertThat(peer.drain()).filteredOn(f -> f.type() == FrameType.RESET).hasSize(26)
                .allMatch(f -> f.code() == ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(peer.channel.isActive()).isTrue();
        peer.open(id, "n").data(id, WireFormat.FLAG_END_MESSAGE, new byte[1001]);
        Frame goAway = peer.drain().stream().filter(f -> f.type() == FrameType.GO_AWAY).findFirst().orElseThrow();
        assertThat(goAway.code()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
    }

    @Test
    void gracefulGoAwayLetsStreamsFinishThenCloses() {
        start();
        MuxStream s = peer.connection.openStream("n", 100, 1, app);
        peer.expect(FrameType.OPEN);
        peer.accept(1);
        peer.connection.goAway("shutting down");
        Frame goAway = peer.expect(FrameType.GO_AWAY);
        assertThat(goAway.code()).isEqualTo(ErrorCode.NO_ERROR);
        MuxStream late = peer.connection.openStream("n", 100, 1, app);
        assertThat(late.closeReason().code()).isEqualTo(ErrorCode.REFUSED_GOING_AWAY);
        peer.open(2, "n");
        assertThat(peer.expect(FrameType.RESET, 2).code()).isEqualTo(ErrorCode.REFUSED_GOING_AWAY);
        s.trySend(text("in flight").buf());
        assertThat(peer.expect(FrameType.DATA, 1).endMessage()).isTrue();
        assertThat(peer.channel.isActive()).isTrue();
        s.close();
        peer.fin(1);
        assertThat(peer.channel.isActive()).isFalse();
        assertThat(app.connectionClosed).isEqualTo(CloseReason.NORMAL);
    }

    @Test
    void receivedGoAwayFailsUnprocessedStreamsOnly() {
        start();
        MuxStream a = peer.connection.openStream("n", 100, 1, app);
        MuxStream b = peer.connection.openStream("n", 100, 1, app);
        peer.drain();
        peer.goAway(1, ErrorCode.NO_ERROR);
        assertThat(b.closeReason().code()).isEqualTo(ErrorCode.REFUSED_GOING_AWAY);
        assertThat(a.closeReason()).isNull();
        assertThat(peer.channel.isActive()).isTrue();
        peer.accept(1).fin(1);
        a.close();
        peer.drain();
        assertThat(peer.channel.isActive()).isFalse();
    }

    @Test
    void goAwayTimeoutFailsStreamsThatDoNotFinish() {
        start();
        MuxStream s = peer.connection.openStream("n", 100, 1, app);
        peer.drain();
        peer.connection.goAway("bye");
        peer.advance(31, TimeUnit.SECONDS);
        assertThat(peer.channel.isActive()).isFalse();
        assertThat(s.closeReason().code()).isEqualTo(ErrorCode.CONNECTION_LOST);
    }

    @Test
    void connectionLossFailsEveryStreamOnce() {
        start();
        MuxStream s = peer.connection.openStream("n", 100, 1, app);
        s.trySend(text("queued").buf());
        peer.channel.close();
        assertThat(app.closes).extracting(CloseReason::code).containsExactly(ErrorCode.CONNECTION_LOST);
        assertThat(app.connectionClosed.code()).isEqualTo(ErrorCode.CONNECTION_LOST);
        assertThatThrownBy(() -> s.trySend(text("after").buf())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void backpressureRefusesThenSignalsWritable() {
        MuxConfig config = MuxConfig.builder().streamSendBuffer(1000).build();
        peer = new ScriptedPeer(config, true, app);
        peer.expect(FrameType.SETTINGS);
        MuxStream s = peer.connection.openStream("n", 100, 1, app); // no SETTINGS yet: nothing leaves
        assertThat(s.trySend(Unpooled.wrappedBuffer(new byte[900]))).isTrue();
        assertThat(s.trySend(Unpooled.wrappedBuffer(new byte[200]))).isTrue();
        var refused = Unpooled.wrappedBuffer(new byte[10]);
        assertThat(s.trySend(refused)).isFalse();
        assertThat(refused.refCnt()).as("caller keeps a refused message").isEqualTo(1);
        refused.release();
        assertThat(s.isWritable()).isFalse();
        assertThat(app.writable).isEmpty();
        peer.settings();
        peer.drain();
        assertThat(app.writable).containsExactly(s);
        assertThat(s.isWritable()).isTrue();
    }

    @Test
    void aRefusedStreamIsWritableAgainOnlyOnceItsQueueDrainedToHalf() {
        MuxConfig config = MuxConfig.builder().streamSendBuffer(1000).build();
        peer = new ScriptedPeer(config, true, app);
        peer.expect(FrameType.SETTINGS);
        peer.settings(new Settings(16384, 2 * 301, 1 << 24, 10, 1 << 24)); // two messages of 300
        peer.expect(FrameType.PING);
        MuxStream s = peer.connection.openStream("n", 100, 1, app);
        peer.expect(FrameType.OPEN);
        for (int i = 0; i < 2; i++) { // the window covers them and nothing is queued: framed at once
            assertThat(s.trySend(Unpooled.wrappedBuffer(new byte[300]))).isTrue();
        }
        assertThat(s.queuedBytes()).isZero();
        for (int i = 0; i < 4; i++) { // the window is used up: they wait in the stream's buffer
            assertThat(s.trySend(Unpooled.wrappedBuffer(new byte[300]))).isTrue();
        }
        var refused = Unpooled.wrappedBuffer(new byte[300]);
        assertThat(s.trySend(refused)).isFalse();
        refused.release();
        peer.expect(FrameType.DATA);
        peer.expect(FrameType.DATA);
        assertThat(s.queuedBytes()).isEqualTo(1200);
        peer.windowUpdate(1, 301);
        peer.expect(FrameType.DATA);
        assertThat(s.queuedBytes()).isEqualTo(900);
        assertThat(app.writable).as("900 of 1000 queued: above half").isEmpty();
        assertThat(s.isWritable()).isFalse();
        peer.windowUpdate(1, 2 * 301);
        peer.expect(FrameType.DATA);
        peer.expect(FrameType.DATA);
        assertThat(app.writable).containsExactly(s);
        assertThat(s.isWritable()).isTrue();
    }

    @Test
    void aSmallMessageWithCreditAndNothingQueuedIsFramedAtOnceAndOrderHolds() {
        peer = new ScriptedPeer(MuxConfig.builder().build(), true, app);
        peer.expect(FrameType.SETTINGS);
        peer.settings(new Settings(16384, 2 * 4, 1 << 24, 10, 1 << 24)); // a window for two 3-byte messages
        peer.expect(FrameType.PING);
        MuxStream s = peer.connection.openStream("n", 100, 1, app);
        peer.expect(FrameType.OPEN);
        ByteBuf reused = Unpooled.buffer(3);
        for (String text : List.of("one", "two", "six", "ten")) {
            reused.clear().writeBytes(text.getBytes(StandardCharsets.US_ASCII));
            assertThat(s.trySendCopy(reused)).isTrue();
            assertThat(reused.readerIndex()).as("the caller's indices stay").isZero();
        }
        ByteBuf owned = Unpooled.wrappedBuffer("end".getBytes(StandardCharsets.US_ASCII));
        assertThat(s.trySend(owned)).isTrue();
        assertThat(s.queuedBytes()).as("two framed at once, three queued behind the window").isEqualTo(9);
        assertThat(owned.refCnt()).as("a small owned message is copied when queued").isZero();
        peer.windowUpdate(1, 3 * 4);
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sent.add(new String(peer.expect(FrameType.DATA).payload(), StandardCharsets.US_ASCII));
        }
        assertThat(sent).containsExactly("one", "two", "six", "ten", "end");
        ByteBuf direct = Unpooled.wrappedBuffer("now".getBytes(StandardCharsets.US_ASCII));
        peer.windowUpdate(1, 4);
        assertThat(s.trySend(direct)).isTrue();
        assertThat(direct.refCnt()).as("the stream released the owned message").isZero();
        assertThat(s.queuedBytes()).as("framed at once").isZero();
        assertThat(peer.expect(FrameType.DATA).payload()).asString(StandardCharsets.US_ASCII).isEqualTo("now");
        reused.release();
    }

    @Test
    void framesSplitAcrossReadsAtAnyPointArriveWhole() {
        start();
        peer.open(2, "n");
        peer.drain();
        ByteBuf frames = Unpooled.buffer();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String text = i + "x".repeat(i * 37);
            FrameWriter.writeData(frames, 2, WireFormat.FLAG_END_MESSAGE,
                    Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
            expected.add(text);
        }
        String big = "y".repeat(40_000); // three frames, assembled
        byte[] b = big.getBytes(StandardCharsets.UTF_8);
        FrameWriter.writeData(frames, 2, 0, Unpooled.wrappedBuffer(b, 0, 16384));
        FrameWriter.writeData(frames, 2, 0, Unpooled.wrappedBuffer(b, 16384, 16384));
        FrameWriter.writeData(frames, 2, WireFormat.FLAG_END_MESSAGE, Unpooled.wrappedBuffer(b, 32768, b.length - 32768));
        expected.add(big);
        byte[] bytes = ByteBufUtil.getBytes(frames);
        frames.release();
        // Reads of 1..13 bytes, then of 1000..1012: headers and payloads cut everywhere.
        for (int at = 0, step = 1; at < bytes.length; step = step == 13 ? 1000 : step == 1012 ? 1 : step + 1) {
            int n = Math.min(step, bytes.length - at);
            peer.sendRaw(Arrays.copyOfRange(bytes, at, at + n));
            at += n;
        }
        assertThat(app.messages).containsExactlyElementsOf(expected);
        assertThat(peer.channel.isActive()).isTrue();
    }

    @Test
    void anOversizedFrameSplitAcrossReadsFailsAtItsHeader() {
        start();
        ByteBuf header = Unpooled.buffer();
        header.writeMedium(peer.connection.config.maxFrameSize() + 1).writeByte(FrameType.DATA.code).writeByte(0).writeInt(2);
        byte[] bytes = ByteBufUtil.getBytes(header);
        header.release();
        peer.sendRaw(Arrays.copyOfRange(bytes, 0, 4));
        assertThat(peer.channel.isActive()).isTrue();
        peer.sendRaw(Arrays.copyOfRange(bytes, 4, 9));
        assertThat(peer.expect(FrameType.GO_AWAY).code()).isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
    }

    @Test
    void messageAboveThePeersLimitIsRejectedAtSend() {
        start();
        MuxStream s = peer.connection.openStream("n", 100, 1, app);
        peer.expect(FrameType.OPEN);
        peer.send(b -> FrameWriter.writeAccept(b, 1, 10));
        var big = Unpooled.wrappedBuffer(new byte[11]);
        assertThatThrownBy(() -> s.trySend(big)).isInstanceOf(MessageTooLargeException.class)
                .hasMessageContaining("11 bytes exceeds the peer's limit of 10");
        assertThat(big.refCnt()).as("a send that throws has taken the message").isZero();
    }

    @Test
    void listenerExceptionsAreContainedToTheirStream() {
        start();
        RecordingListener faulty = new RecordingListener() {
            @Override
            public void onMessage(MuxStream stream, io.netty.buffer.ByteBuf message) {
                message.release();
                throw new IllegalStateException("application bug");
            }
        };
        app.acceptInbound = false;
        peer.open(2, "bad").open(4, "good");
        app.opened.get(0).accept(faulty, 100);
        app.opened.get(1).accept(app, 100);
        peer.drain();
        peer.message(2, "boom").message(4, "fine");
        assertThat(peer.drain()).anySatisfy(f -> {
            assertThat(f.type()).isEqualTo(FrameType.RESET);
            assertThat(f.code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        });
        assertThat(app.messages).containsExactly("fine");
        assertThat(peer.channel.isActive()).isTrue();
    }

    @Test
    void handshakeFramesAfterTheHandshakeAreProtocolErrors() {
        start();
        peer.send(b -> FrameWriter.writeHandshake(b, FrameType.HELLO, Unpooled.wrappedBuffer(new byte[4])));
        assertThat(peer.expect(FrameType.GO_AWAY).code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
    }
}
