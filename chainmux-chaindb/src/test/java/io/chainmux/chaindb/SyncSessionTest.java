package io.chainmux.chaindb;

import io.chainmux.p2p.Session;
import io.chainmux.broker.SessionContext;
import io.chainmux.p2p.SessionOutcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** SyncSession against SyncResponder over an in-memory connection, honest and tampered with. */
class SyncSessionTest {
    private static final String CHAIN = "7";
    private static final int PAYLOAD = 512;
    /** 100 blocks of 588 encoded bytes per request, 4 requests in flight. */
    private static final ChainDbConfig CFG = ChainDbConfig.builder().payloadSize(PAYLOAD).maxPayloadSize(4096)
            .batchBlocks(100).maxBatchBytes(64 * 1024).maxInFlightBytes(256 * 1024).build();
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private final List<SessionPair> pairs = new ArrayList<>();
    private SessionPair pair;

    @BeforeEach
    void connect() {
        pair = newPair();
    }

    @AfterEach
    void close() throws InterruptedException {
        for (SessionPair p : pairs) {
            p.close();
        }
    }

    private SessionPair newPair() {
        SessionPair p = new SessionPair(CHAIN);
        pairs.add(p);
        return p;
    }

    private static ChainDb chain(int height) {
        ChainDb db = new ChainDb(CHAIN, CFG);
        db.produce(height, PAYLOAD);
        return db;
    }

    private SessionPair.Outcomes sync(ChainDb target, ChainDb source) throws Exception {
        return pair.run(new SyncSession(target, CFG), new SyncResponder(source, CFG));
    }

    @Test
    void aNodeFarBehindCatchesUpExactly() throws Exception {
        ChainDb source = chain(3000);
        ChainDb target = chain(200);

        SessionPair.Outcomes o = sync(target, source);

        assertThat(o.requester()).isEqualTo(new SessionOutcome(true, false,
                "chain 7: fetched 2800 blocks, now at 3000 (peer at 3000); the peer ended the session"));
        assertThat(o.responder().success()).isTrue();
        assertThat(target.height()).isEqualTo(3000);
        assertThat(target.tipHash()).isEqualTo(source.tipHash());
        assertThat(target.verifyAll()).isEqualTo(new ChainDb.Verification(true, 3001, -1, ""));
        assertThat(target.blocks(0, 3001)).isEqualTo(source.blocks(0, 3001));
        SyncStats.Snapshot s = target.stats().snapshot();
        assertThat(s.blocksSynced()).isEqualTo(2800);
        assertThat(s.blocksRejected()).isZero();
        assertThat(s.duplicateBlocks()).isZero();
        assertThat(s.bytesReceived()).isEqualTo(SyncCodec.HEIGHT_SIZE + 28 * SyncCodec.blocksMessageSize(100, 100L * PAYLOAD));
        assertThat(s.firstAppend()).isNotNull();
        assertThat(s.lastAppend()).isAfterOrEqualTo(s.firstAppend());
        assertThat(source.stats().snapshot().blocksServed()).isEqualTo(2800);
        assertThat(pair.requester.sent(SyncCodec.GET_BLOCKS)).as("2800 blocks in batches of 100").isEqualTo(28);
        assertThat(target.fetchGate().active()).isZero();
    }

    @Test
    void aFreshNodeCatchesUpWithTheDefaultConfiguration() throws Exception {
        ChainDbConfig defaults = ChainDbConfig.defaults();
        ChainDb source = new ChainDb(CHAIN, defaults);
        source.produce(2000, defaults.payloadSize());
        ChainDb target = new ChainDb(CHAIN, defaults);

        SessionPair.Outcomes o = pair.run(new SyncSession(target, defaults), new SyncResponder(source, defaults));

        assertThat(o.requester().success()).as(o.requester().reason()).isTrue();
        assertThat(target.tipHash()).isEqualTo(source.tipHash());
        assertThat(target.verifyAll().valid()).isTrue();
    }

    @Test
    void equalHeightsTransferNothing() throws Exception {
        ChainDb source = chain(500);
        ChainDb target = chain(500);

        SessionPair.Outcomes o = sync(target, source);

        assertThat(o.requester()).isEqualTo(new SessionOutcome(true, false,
                "chain 7: nothing to fetch: peer at 500, we at 500; the peer ended the session"));
        assertThat(pair.requester.sentTypes()).containsExactly(SyncCodec.GET_HEIGHT, SyncCodec.WAIT_HEIGHT);
        assertThat(pair.responder.sentTypes()).containsExactly(SyncCodec.HEIGHT);
        assertThat(target.stats().snapshot().blocksSynced()).isZero();
    }

    @Test
    void anUpToDateSessionHoldsTheConnectionAndFetchesWhenThePeerGrows() throws Exception {
        ChainDb source = chain(500);
        ChainDb target = chain(500);
        CompletableFuture<SessionPair.Outcomes> run = pair.startFollowing(new SyncSession(target, CFG),
                new SyncResponder(source, CFG));
        pair.requester.whenSent(SyncCodec.WAIT_HEIGHT).get(SessionPair.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(run).as("up to date: the session waits, it does not end").isNotDone();

        CompletableFuture<Void> caughtUp = new CompletableFuture<>();
        target.watchAbove(509, () -> caughtUp.complete(null));
        source.produce(10, PAYLOAD);
        caughtUp.get(SessionPair.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        // The blocks appear one by one, so the peer may announce them in several rounds, each one
        // WAIT_HEIGHT -> HEIGHT -> GET_BLOCKS; after the last, the session waits again.
        int rounds = (int) pair.requester.sent(SyncCodec.GET_BLOCKS);
        pair.requester.whenSent(SyncCodec.WAIT_HEIGHT, rounds + 1).get(SessionPair.TIMEOUT_SECONDS, TimeUnit.SECONDS);

        assertThat(run).isNotDone();
        assertThat(rounds).isBetween(1, 10);
        List<Integer> sent = pair.requester.sentTypes();
        assertThat(sent.subList(0, 2)).containsExactly(SyncCodec.GET_HEIGHT, SyncCodec.WAIT_HEIGHT);
        assertThat(sent).as("one height probe; after it, only long polls").hasSize(2 + 2 * rounds)
                .containsOnlyOnce(SyncCodec.GET_HEIGHT);
        assertThat(target.fetchGate().active()).as("a waiting session leaves the fetch gate").isZero();
        pair.responder.close(); // the network cuts the session
        SessionPair.Outcomes o = run.get(SessionPair.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(o.requester()).isEqualTo(new SessionOutcome(true, false,
                "chain 7: fetched 10 blocks, now at 510 (peer at 510); the peer ended the session"));
        assertThat(o.responder().success()).isTrue();
        assertThat(pair.responder.sent(SyncCodec.HEIGHT)).isEqualTo(1 + rounds);
        assertThat(pair.responder.sent(SyncCodec.BLOCKS)).isEqualTo(rounds);
        assertThat(source.heightWatches()).as("an ended session leaves no watch behind").isZero();
        assertThat(target.tipHash()).isEqualTo(source.tipHash());
    }

    @Test
    void aRequestEndsAParkedWaitWithTheCurrentHeight() throws Exception {
        ChainDb source = chain(300);
        List<SyncMessage> replies = Collections.synchronizedList(new ArrayList<>());
        Session waitThenAsk = ctx -> {
            ctx.send(encodeBuf(new SyncMessage.WaitHeight(1000)));
            ctx.send(encodeBuf(new SyncMessage.GetHeight()));
            return ctx.receive().thenComposeAsync(a -> {
                replies.add(decodeAndRelease(a));
                return ctx.receive();
            }, ctx.executor()).thenApplyAsync(b -> {
                replies.add(decodeAndRelease(b));
                return SessionOutcome.ok();
            }, ctx.executor());
        };

        SessionPair.Outcomes o = pair.startFollowing(waitThenAsk, new SyncResponder(source, CFG))
                .get(SessionPair.TIMEOUT_SECONDS, TimeUnit.SECONDS);

        assertThat(o.requester().success()).isTrue();
        assertThat(o.responder().success()).isTrue();
        assertThat(replies).hasSize(2).allSatisfy(m -> assertThat(((SyncMessage.Height) m).height()).isEqualTo(300));
        assertThat(source.heightWatches()).isZero();
    }

    private static ByteBuf encodeBuf(SyncMessage m) {
        return SyncCodec.encode(m, ALLOC);
    }

    private static SyncMessage decodeAndRelease(ByteBuf b) {
        try {
            return SyncCodec.decode(b, 0, 4096);
        } finally {
            b.release();
        }
    }

    @Test
    void aPeerBehindUsTransfersNothing() throws Exception {
        ChainDb source = chain(300);
        ChainDb target = chain(500);

        SessionPair.Outcomes o = sync(target, source);

        assertThat(o.requester().success()).isTrue();
        assertThat(o.requester().reason()).contains("peer at 300, we at 500");
        assertThat(pair.requester.sentTypes()).containsExactly(SyncCodec.GET_HEIGHT, SyncCodec.WAIT_HEIGHT);
        assertThat(target.height()).isEqualTo(500);
    }

    /** A tampered response: the peer is blamed, and only blocks that verified are stored. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("misbehaviours")
    void aMisbehavingResponderIsPenalisedAndNothingBadIsAppended(String name, UnaryOperator<ByteBuf> tamper,
                                                                  String reason, long heightAfter) throws Exception {
        ChainDb source = chain(300);
        ChainDb target = new ChainDb(CHAIN, CFG);
        pair.responder.tamper = tamper;

        SessionPair.Outcomes o = sync(target, source);

        assertThat(o.requester().misbehaved()).as(o.requester().reason()).isTrue();
        assertThat(o.requester().success()).isFalse();
        assertThat(o.requester().reason()).startsWith("chain 7: peer ").contains(reason);
        assertThat(target.height()).isEqualTo(heightAfter);
        assertThat(target.verifyAll().valid()).isTrue();
        for (long h = 0; h <= target.height(); h++) {
            assertThat(target.hashAt(h)).as("block %d", h).isEqualTo(source.hashAt(h));
        }
        assertThat(target.stats().snapshot().misbehavingPeers()).isEqualTo(1);
        assertThat(target.fetchGate().active()).as("fetch gate left").isZero();
    }

    static Stream<Arguments> misbehaviours() {
        ChainDb source = chain(300);
        return Stream.of(
                Arguments.of("corrupt payload", onBlocks(1, m -> {
                    int last = m.writerIndex() - 1;
                    m.setByte(last, m.getByte(last) ^ 1); // last byte of block 100's payload
                    return m;
                }), "BAD_HASH", 99L),
                Arguments.of("wrong parent, valid hash", onBlocks(2, m -> rewrite(m, blocks -> {
                    List<Block> out = new ArrayList<>(blocks);
                    Block first = out.get(0);
                    out.set(0, Block.create(first.height(), new byte[32], first.payload()));
                    return out;
                })), "WRONG_PARENT", 100L),
                Arguments.of("garbage instead of HEIGHT", replace(SyncCodec.HEIGHT, new byte[] {0x7F}),
                        "undecodable answer to GET_HEIGHT: unknown sync message type 0x7f", 0L),
                Arguments.of("garbage instead of BLOCKS", onBlocks(1, m -> swap(m, new byte[] {4, -1, -1, -1, -1})),
                        "BLOCKS holds 4294967295 blocks, the limit is 100", 0L),
                Arguments.of("HEIGHT instead of BLOCKS", onBlocks(1, m -> swap(m, encode(
                        new SyncMessage.Height(1, new byte[32])))), "expected BLOCKS", 0L),
                Arguments.of("response larger than asked", onBlocks(1, m -> {
                    ByteBuf big = ALLOC.buffer(m.readableBytes() + 65536).writeBytes(m).writeZero(65536);
                    m.release();
                    return big;
                }), "with 124341 bytes", 0L),
                Arguments.of("more blocks than asked", onBlocks(1, m -> rewrite(m, blocks -> {
                    List<Block> out = new ArrayList<>(blocks);
                    out.add(source.block(blocks.size() + 1));
                    return out;
                })), "BLOCKS holds 101 blocks, the limit is 100", 0L),
                Arguments.of("blocks from elsewhere", onBlocks(1, m -> rewrite(m, blocks -> source.blocks(2, 10))),
                        "with blocks from 2", 0L),
                Arguments.of("no blocks", onBlocks(1, m -> rewrite(m, blocks -> List.of())),
                        "sent no blocks", 0L),
                Arguments.of("tip hash that the blocks do not lead to", replace(SyncCodec.HEIGHT, encode(
                        new SyncMessage.Height(300, new byte[32]))), "block 300 is not the tip it announced", 299L));
    }

    @Test
    void aPeerOnAnotherChainIsPenalised() throws Exception {
        ChainDb source = new ChainDb(CHAIN, CFG);
        source.produce(50, 100);
        ChainDb target = new ChainDb(CHAIN, CFG);
        target.produce(50, 200); // other payload size: a different chain from block 1 on

        SessionOutcome o = sync(target, source).requester();

        assertThat(o.misbehaved()).isTrue();
        assertThat(o.reason()).contains("its tip at height 50 is not our block there");

        pair = newPair();
        source.produce(50, 100);
        o = sync(target, source).requester();
        assertThat(o.misbehaved()).isTrue();
        assertThat(o.reason()).contains("WRONG_PARENT");
        assertThat(target.height()).isEqualTo(50);
    }

    @Test
    void anErrorFromTheResponderIsAFailureNotMisbehaviour() throws Exception {
        ChainDb source = chain(300);
        ChainDb target = new ChainDb(CHAIN, CFG);
        ChainDbConfig stingy = CFG.toBuilder().batchBlocks(50).build();

        SessionPair.Outcomes o = pair.run(new SyncSession(target, CFG), new SyncResponder(source, stingy));

        assertThat(o.requester().success()).isFalse();
        assertThat(o.requester().misbehaved()).isFalse();
        assertThat(o.requester().reason()).contains("REQUEST_TOO_LARGE")
                .contains("asked for 100 blocks; this node serves at most 50 per request");
        assertThat(o.responder().success()).as("the responder serves on after an error").isTrue();
        assertThat(target.height()).isZero();
    }

    @Test
    void responsesCutShortByTheResponderStillCatchUpExactly() throws Exception {
        ChainDb source = chain(3000);
        ChainDb target = new ChainDb(CHAIN, CFG);
        ChainDbConfig small = CFG.toBuilder().maxBatchBytes(10_000).maxInFlightBytes(10_000).build();

        SessionPair.Outcomes o = pair.run(new SyncSession(target, CFG), new SyncResponder(source, small));

        assertThat(o.requester().success()).as(o.requester().reason()).isTrue();
        assertThat(target.tipHash()).isEqualTo(source.tipHash());
        assertThat(target.verifyAll().valid()).isTrue();
        assertThat(target.stats().snapshot().blocksSynced()).isEqualTo(3000);
        // 10,000 bytes hold 16 blocks of 588: the first answer is short, the 0-3 requests already sent behind
        // it (timing decides how many) are dropped, then 187 requests of 16 blocks fetch the remaining 2984.
        assertThat(pair.requester.sent(SyncCodec.GET_BLOCKS)).isBetween(1L + 187, 4L + 187);
    }

    @Test
    void aConnectionLostMidSyncIsAFailureAndKeepsWhatVerified() throws Exception {
        ChainDb source = chain(3000);
        ChainDb target = new ChainDb(CHAIN, CFG);
        pair.responder.tamper = onBlocks(3, m -> {
            pair.closeBoth();
            return m;
        });
        // No pipelining, so request 3 (whose answer is lost) leaves only after answer 2 was appended.
        ChainDbConfig oneAtATime = CFG.toBuilder().maxInFlightBytes(CFG.maxBatchBytes()).build();

        SessionOutcome o = pair.run(new SyncSession(target, oneAtATime), new SyncResponder(source, CFG)).requester();

        assertThat(o.success()).isFalse();
        assertThat(o.misbehaved()).isFalse();
        assertThat(o.reason()).contains("connection closed");
        assertThat(target.height()).isEqualTo(200);
        assertThat(target.verifyAll().valid()).isTrue();
        assertThat(target.fetchGate().active()).isZero();
    }

    @Test
    void aConnectionLostWithRequestsInFlightGivesTheirWindowBytesBack() throws Exception {
        ChainDb target = new ChainDb(CHAIN, CFG);
        pair.responder.tamper = onBlocks(3, m -> {
            pair.closeBoth();
            return m;
        });
        FetchWindow window = FetchWindow.defaults();

        SessionOutcome o = pair.run(new SyncSession(target, CFG, ALLOC, window), new SyncResponder(chain(3000), CFG))
                .requester();

        assertThat(o.success()).isFalse();
        assertThat(o.reason()).contains("connection closed");
        assertThat(window.inFlight()).as("bytes of the requests the lost connection never answered").isZero();
    }

    @Test
    void chainsSharingOneSmallFetchWindowAllCatchUpAndGiveEveryByteBack() throws Exception {
        // 64 KiB at most: one request of each chain at a time over the five, the rest wait their turn.
        FetchWindow window = new FetchWindow(64 * 1024, 64 * 1024, 64 * 1024, java.time.Duration.ofMillis(10));
        List<ChainDb> targets = new ArrayList<>();
        List<CompletableFuture<SessionPair.Outcomes>> runs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ChainDb target = new ChainDb(CHAIN, CFG);
            targets.add(target);
            SessionPair p = i == 0 ? pair : newPair();
            runs.add(p.start(new SyncSession(target, CFG, ALLOC, window), new SyncResponder(chain(1000), CFG)));
        }
        for (CompletableFuture<SessionPair.Outcomes> r : runs) {
            SessionOutcome o = r.get(SessionPair.TIMEOUT_SECONDS, TimeUnit.SECONDS).requester();
            assertThat(o.success()).as(o.reason()).isTrue();
        }
        for (ChainDb t : targets) {
            assertThat(t.height()).isEqualTo(1000);
            assertThat(t.verifyAll().valid()).isTrue();
        }
        assertThat(window.inFlight()).isZero();
        assertThat(window.waits()).as("requests that waited for the window").isPositive();
    }

    @Test
    void concurrentSessionsOfOneChainFetchEachBlockOnce() throws Exception {
        ChainDb target = new ChainDb(CHAIN, CFG);
        List<CompletableFuture<SessionPair.Outcomes>> runs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            SessionPair p = i == 0 ? pair : newPair();
            runs.add(p.start(new SyncSession(target, CFG), new SyncResponder(chain(2000), CFG)));
        }
        for (CompletableFuture<SessionPair.Outcomes> r : runs) {
            SessionOutcome o = r.get(SessionPair.TIMEOUT_SECONDS, TimeUnit.SECONDS).requester();
            assertThat(o.success()).as(o.reason()).isTrue();
        }
        assertThat(target.height()).isEqualTo(2000);
        assertThat(target.verifyAll().valid()).isTrue();
        SyncStats.Snapshot s = target.stats().snapshot();
        assertThat(s.blocksSynced()).isEqualTo(2000);
        assertThat(s.duplicateBlocks()).as("one fetcher per chain: nothing downloaded twice").isZero();
        assertThat(pairs.stream().mapToLong(p -> p.requester.sent(SyncCodec.GET_BLOCKS)).sum()).isEqualTo(20);
    }

    @Test
    void parallelFetchersAreHarmlessWhenAllowed() throws Exception {
        ChainDbConfig two = CFG.toBuilder().maxFetchersPerChain(2).build();
        ChainDb target = new ChainDb(CHAIN, two);
        SessionPair second = newPair();
        CompletableFuture<SessionPair.Outcomes> a = pair.start(new SyncSession(target, two),
                new SyncResponder(chain(2000), two));
        CompletableFuture<SessionPair.Outcomes> b = second.start(new SyncSession(target, two),
                new SyncResponder(chain(2000), two));
        assertThat(a.get(SessionPair.TIMEOUT_SECONDS, TimeUnit.SECONDS).requester().success()).isTrue();
        assertThat(b.get(SessionPair.TIMEOUT_SECONDS, TimeUnit.SECONDS).requester().success()).isTrue();
        assertThat(target.height()).isEqualTo(2000);
        assertThat(target.verifyAll().valid()).isTrue();
        assertThat(target.stats().snapshot().blocksSynced()).isEqualTo(2000);
    }

    @Test
    void theResponderServesWithinItsLimitsAndRejectsOversizedRequests() throws Exception {
        ChainDb source = chain(300);
        ChainDbConfig limits = CFG.toBuilder().maxBatchBytes(16 * 1024).build();
        Script script = new Script(
                encode(new SyncMessage.GetBlocks(1, 1000, 1 << 20)),
                encode(new SyncMessage.GetHeight()),
                encode(new SyncMessage.GetBlocks(1, 10, 100)),
                encode(new SyncMessage.GetBlocks(301, 5, 65536)),
                encode(new SyncMessage.GetBlocks(295, 10, 65536)),
                encode(new SyncMessage.GetBlocks(1, 100, Integer.MAX_VALUE)));

        SessionPair.Outcomes o = pair.run(script, new SyncResponder(source, limits));

        assertThat(o.responder().success()).as(o.responder().reason()).isTrue();
        List<SyncMessage> r = script.replies;
        assertThat(r).hasSize(6);
        assertThat(((SyncMessage.Error) r.get(0)).errorCode()).isEqualTo(SyncErrorCode.REQUEST_TOO_LARGE);
        assertThat(((SyncMessage.Height) r.get(1)).tipHash()).isEqualTo(source.tipHash());
        assertThat(((SyncMessage.Height) r.get(1)).height()).isEqualTo(300);
        assertThat(((SyncMessage.Error) r.get(2)).errorCode()).isEqualTo(SyncErrorCode.BLOCK_TOO_LARGE);
        assertThat(((SyncMessage.Error) r.get(2)).text()).contains("block 1 alone exceeds 100 bytes");
        assertThat(((SyncMessage.Blocks) r.get(3)).blocks()).as("above the tip").isEmpty();
        assertThat(((SyncMessage.Blocks) r.get(4)).blocks()).isEqualTo(source.blocks(295, 6));
        assertThat(((SyncMessage.Blocks) r.get(5)).blocks()).as("cut to its own 16 KiB")
                .isEqualTo(source.blocks(1, (16 * 1024 - 5) / 588));
    }

    @Test
    void theResponderBlamesAPeerSendingGarbage() throws Exception {
        Script script = new Script(new byte[] {0x7F}, encode(new SyncMessage.GetHeight()));

        SessionPair.Outcomes o = pair.run(script, new SyncResponder(chain(10), CFG));

        assertThat(o.responder().misbehaved()).isTrue();
        assertThat(o.responder().reason()).contains("undecodable request: unknown sync message type 0x7f");
        assertThat(script.replies).hasSize(1);
        assertThat(((SyncMessage.Error) script.replies.get(0)).errorCode()).isEqualTo(SyncErrorCode.BAD_REQUEST);

        pair = newPair();
        script = new Script(encode(new SyncMessage.Height(1, new byte[32])));
        o = pair.run(script, new SyncResponder(chain(10), CFG));
        assertThat(o.responder().misbehaved()).isTrue();
        assertThat(o.responder().reason()).contains("not a request: Height");
    }

    // ---- helpers ----

    /** Applies {@code f} to the n-th (1-based) BLOCKS message the responder sends. */
    private static UnaryOperator<ByteBuf> onBlocks(int n, UnaryOperator<ByteBuf> f) {
        AtomicInteger seen = new AtomicInteger();
        return m -> SyncCodec.peekType(m) == SyncCodec.BLOCKS && seen.incrementAndGet() == n ? f.apply(m) : m;
    }

    /** Replaces every message of a type with fixed bytes. */
    private static UnaryOperator<ByteBuf> replace(int type, byte[] with) {
        return m -> SyncCodec.peekType(m) == type ? swap(m, with) : m;
    }

    private static ByteBuf swap(ByteBuf m, byte[] with) {
        m.release();
        return Unpooled.wrappedBuffer(with.clone());
    }

    private static ByteBuf rewrite(ByteBuf m, Function<List<Block>, List<Block>> f) {
        try {
            List<Block> blocks = ((SyncMessage.Blocks) SyncCodec.decode(m, Integer.MAX_VALUE, 1 << 20)).blocks();
            return SyncCodec.encode(new SyncMessage.Blocks(f.apply(blocks)), ALLOC);
        } finally {
            m.release();
        }
    }

    private static byte[] encode(SyncMessage m) {
        ByteBuf b = SyncCodec.encode(m, ALLOC);
        try {
            byte[] out = new byte[b.readableBytes()];
            b.readBytes(out);
            return out;
        } finally {
            b.release();
        }
    }

    /** A scripted requester: sends each request, records the decoded reply, stops at the end or on close. */
    private static final class Script implements Session {
        final List<byte[]> requests;
        final List<SyncMessage> replies = Collections.synchronizedList(new ArrayList<>());

        Script(byte[]... requests) {
            this.requests = List.of(requests);
        }

        @Override
        public CompletionStage<SessionOutcome> run(SessionContext ctx) {
            return step(ctx, 0);
        }

        private CompletionStage<SessionOutcome> step(SessionContext ctx, int i) {
            if (i == requests.size()) {
                return CompletableFuture.completedFuture(SessionOutcome.ok());
            }
            return ctx.send(Unpooled.wrappedBuffer(requests.get(i)))
                    .thenComposeAsync(v -> ctx.receive(), ctx.executor())
                    .thenComposeAsync(reply -> {
                        try {
                            replies.add(SyncCodec.decode(reply, 1000, 1 << 20));
                        } finally {
                            reply.release();
                        }
                        return step(ctx, i + 1);
                    }, ctx.executor())
                    .exceptionally(e -> SessionOutcome.failed("closed: " + e));
        }
    }
}
