package io.chainmux.chaindb;

import io.chainmux.p2p.Session;
import io.chainmux.broker.SessionClosedException;
import io.chainmux.broker.SessionContext;
import io.chainmux.p2p.SessionOutcome;
import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * The requesting side of a chain sync: asks the peer's height and, if the peer is ahead, fetches the
 * missing blocks in batches and appends them, each checked (hash, parent link, size) before it is
 * stored. Once up to date it long-polls (WAIT_HEIGHT) for the peer's next block and fetches again, so
 * one session follows its peer until the network cuts it (chainweb's model), and an up-to-date chain
 * sends nothing at rest. Outcomes:
 * <ul>
 *   <li>success: the peer ended the session cleanly while we were up to date with it (a cut by the
 *       network at its timeout is a success decided there);</li>
 *   <li>misbehaved (peer penalised): an undecodable or unexpected message, a response larger than asked
 *       (bytes or blocks) or starting elsewhere, no blocks where it announced some, an invalid block,
 *       or blocks that do not lead to the tip hash it announced;</li>
 *   <li>failed: the peer answered ERROR, or the connection ended.</li>
 * </ul>
 * Blocks appended before a failure stay: each was verified on its own.
 *
 * <p>Batches: each GET_BLOCKS asks for up to {@code batchBlocks} blocks in at most {@code maxBatchBytes};
 * requests are pipelined while the sum of their {@code maxBatchBytes} stays within
 * {@code maxInFlightBytes}. The block count per request is sized from the largest block seen (first
 * guess: {@code payloadSize}), so a responder rarely has to cut a response short; when it does, the
 * responses already requested beyond the gap are read and dropped, fetching resumes at the new tip, and
 * later requests ask for no more blocks than that short response held.
 *
 * <p>Only {@code maxFetchersPerChain} sessions of one chain fetch at a time; another session whose peer
 * is ahead waits (without a thread) for one of them to finish, then asks its peer's height again.
 * Stateless: one instance per chain serves every session.
 */
public final class SyncSession implements Session {
    private final ChainDb db;
    private final ChainDbConfig config;
    private final ByteBufAllocator alloc;
    private final FetchWindow window;

    /** A session of one chain with a {@link FetchWindow} of its own (a node shares one: the four-argument form). */
    public SyncSession(ChainDb db, ChainDbConfig config) {
        this(db, config, ByteBufAllocator.DEFAULT, FetchWindow.defaults());
    }

    /**
     * @param window the node's window over its catch-up, shared by every chain of the node, so a restart
     *               that finds 1000 chains behind fetches at the pace the node keeps up with
     */
    public SyncSession(ChainDb db, ChainDbConfig config, ByteBufAllocator alloc, FetchWindow window) {
        this.db = Objects.requireNonNull(db, "db");
        this.config = Objects.requireNonNull(config, "config");
        this.alloc = Objects.requireNonNull(alloc, "alloc");
        this.window = Objects.requireNonNull(window, "window");
        if (config.maxPayloadSize() > db.maxPayloadSize()) {
            throw new IllegalArgumentException("config.maxPayloadSize (" + config.maxPayloadSize()
                    + ") exceeds the chain's limit (" + db.maxPayloadSize() + ")");
        }
    }

    @Override
    public CompletionStage<SessionOutcome> run(SessionContext ctx) {
        CompletableFuture<SessionOutcome> result = new CompletableFuture<>();
        run(ctx, (outcome, failure) -> result.complete(outcome));
        return result;
    }

    /** Reports the outcome to {@code report} (on the session executor), with no future in between. */
    @Override
    public void run(SessionContext ctx, BiConsumer<? super SessionOutcome, ? super Throwable> report) {
        Objects.requireNonNull(report, "report");
        Run run = new Run(ctx, report);
        ctx.executor().execute(run::askHeight);
    }

    /** A GET_BLOCKS sent; its {@code grant} of the node's {@link FetchWindow} is held until it is answered. */
    private record Request(long from, int count, int maxBytes, FetchWindow.Grant grant, long sentNanos) {
        @Override
        public String toString() {
            return "GET_BLOCKS(from " + from + ", " + count + " blocks, " + maxBytes + " bytes)";
        }
    }

    /**
     * A fetch in progress: the requests sent and not yet answered, oldest first, where the next starts,
     * how many answers to drop, the tip hash the peer announced, and how many blocks it serves per
     * response. Made when a session starts fetching and dropped once it is up to date with nothing
     * outstanding: 8,000 sessions long-poll at rest on a node of 1000 chains, and hold none. The queue
     * itself, so a fetch makes one object, as its request queue did alone.
     */
    private static final class Fetch extends ArrayDeque<Request> {
        long nextFrom;
        int discard; // responses still to come for ranges beyond a gap left by a short response
        /**
         * Blocks per response the peer delivered when it cut one short (learned anew by each fetch: a
         * fetch after a long poll mostly asks for a block or two).
         */
        int countCap = Integer.MAX_VALUE;
        /** The tip hash the peer announced with {@link Run#peerHeight}: its block there must have it. */
        byte[] peerTip;

        Fetch() {
            super(2);
        }
    }

    /**
     * One session's state; every method runs on the session executor. It reports its outcome to its
     * {@link #report} callback from {@link #finish}, and is its own receive callback
     * ({@link SessionContext#receive(BiConsumer)}): a session that long-polls holds no future of its
     * own and no stage while it waits (8,000 do at rest on a node of 1000 chains).
     */
    private final class Run implements BiConsumer<ByteBuf, Throwable> {
        final SessionContext ctx;
        final BiConsumer<? super SessionOutcome, ? super Throwable> report;
        /** The fetch in progress (requests outstanding), or null. */
        Fetch fetch;
        /**
         * {@link #DONE}, {@link #FETCHING} (holds a place in the chain's fetch gate), {@link #SENDING},
         * {@link #RECEIVING}, {@link #IDLE} (a WAIT_HEIGHT is outstanding: the peer had nothing new), in
         * one byte: 8,000 sessions wait at rest on a node of 1000 chains.
         */
        byte flags;
        long peerHeight;
        int blockEstimate = SyncCodec.BLOCK_OVERHEAD + config.payloadSize(); // bounded by the batch limit
        int appended; // blocks appended by this session

        static final int DONE = 1;
        static final int FETCHING = 1 << 1;
        static final int SENDING = 1 << 2;
        static final int RECEIVING = 1 << 3;
        static final int IDLE = 1 << 4;

        boolean is(int flag) {
            return (flags & flag) != 0;
        }

        void set(int flag, boolean on) {
            flags = (byte) (on ? flags | flag : flags & ~flag);
        }

        Run(SessionContext ctx, BiConsumer<? super SessionOutcome, ? super Throwable> report) {
            this.ctx = ctx;
            this.report = report;
        }

        void askHeight() {
            if (is(DONE)) {
                return;
            }
            send(new SyncMessage.GetHeight(), null);
            ctx.receive(this);
        }

        /** The receive completed: the answer to a block request while one is out, else to a height request. */
        @Override
        public void accept(ByteBuf msg, Throwable err) {
            if (is(RECEIVING)) {
                onBlocks(msg, err);
            } else {
                onHeight(msg, err);
            }
        }

        void onHeight(ByteBuf msg, Throwable err) {
            boolean waited = is(IDLE);
            set(IDLE, false);
            if (is(DONE) || err != null) {
                if (waited && !is(DONE) && peerEndedCleanly(err)) {
                    long ours = db.height();
                    finish(ok((appended == 0 ? "nothing to fetch: peer at " + peerHeight + ", we at " + ours
                            : "fetched " + appended + " blocks, now at " + ours + " (peer at "
                            + peerHeight + ")") + "; the peer ended the session"));
                    return;
                }
                abandon(msg, err);
                return;
            }
            SyncMessage m;
            try {
                db.stats().received(msg.readableBytes());
                m = SyncCodec.decode(msg, 0, config.maxPayloadSize());
            } catch (SyncProtocolException e) {
                finish(misbehaved("undecodable answer to GET_HEIGHT: " + e.getMessage()));
                return;
            } finally {
                msg.release();
            }
            if (m instanceof SyncMessage.Error e) {
                finish(failed("peer answered GET_HEIGHT with " + e.errorCode() + ": " + e.text()));
            } else if (m instanceof SyncMessage.Height h) {
                peerHeight = h.height();
                try { // as guarded(), without a lambda for the tip
                    decide(h.tipHash());
                } catch (RuntimeException e) {
                    finish(failed("internal error: " + e));
                }
            } else {
                finish(misbehaved("expected HEIGHT, got " + m.getClass().getSimpleName()));
            }
        }

        /** With the peer's height and {@code peerTip} known: done, wait for the fetch gate, or fetch. */
        void decide(byte[] peerTip) {
            long ours = db.height();
            if (peerHeight <= ours) {
                if (!db.hashEquals(peerHeight, peerTip)) {
                    finish(misbehaved("its tip at height " + peerHeight + " is not our block there: "
                            + "not the same chain"));
                } else {
                    awaitNews(ours);
                }
                return;
            }
            if (!is(FETCHING)) {
                CompletableFuture<Void> turn = db.fetchGate().tryEnter(config.maxFetchersPerChain());
                if (turn != null) {
                    // Another session is fetching this chain: wait for it, then see what is still missing.
                    turn.thenRunAsync(() -> guarded(this::askHeight), ctx.executor());
                    return;
                }
                set(FETCHING, true);
                if (fetch == null) {
                    fetch = new Fetch();
                }
                fetch.nextFrom = ours + 1;
            }
            fetch.peerTip = peerTip;
            pump();
        }

        /**
         * Up to date with the peer: leave the fetch gate and long-poll (WAIT_HEIGHT) for its next block,
         * holding the connection at no cost until then or until the network cuts the session.
         */
        void awaitNews(long ours) {
            if (is(FETCHING)) {
                set(FETCHING, false);
                db.fetchGate().leave();
            }
            set(IDLE, true);
            if (noneOutstanding()) {
                fetch = null; // the fetch, if any, is over
            }
            send(new SyncMessage.WaitHeight(Math.max(ours, peerHeight)), null);
            ctx.receive(this);
        }

        /** Sends the next request if the pipeline has room, keeps one receive pending while any is out. */
        void pump() {
            if (is(DONE)) {
                return;
            }
            Fetch f = currentFetch(); // null only once the fetch is over: nothing to request
            if (f != null && !is(SENDING) && wantsToSend(f)) {
                // SENDING from here: no other request goes out until this one has its window bytes and is sent.
                set(SENDING, true);
                FetchWindow.Grant g = window.acquireOrWait(expectedBytes(nextCount(f)),
                        granted -> guarded(() -> sendRequest(granted)), ctx.executor());
                if (g != null) {
                    sendRequest(g);
                    return; // sendRequest pumped
                }
            }
            if (!is(RECEIVING) && !noneOutstanding()) {
                set(RECEIVING, true);
                ctx.receive(this);
            }
            if (!is(SENDING) && noneOutstanding() && db.height() >= peerHeight) {
                decide(f == null ? null : f.peerTip);
            }
        }

        /** The fetch, its next height moved past blocks a local producer appended meanwhile; null once over. */
        Fetch currentFetch() {
            Fetch f = fetch;
            if (f != null) {
                f.nextFrom = Math.max(f.nextFrom, db.height() + 1);
            }
            return f;
        }

        boolean wantsToSend(Fetch f) {
            return f.discard == 0 && f.nextFrom <= peerHeight
                    && (noneOutstanding() || inFlightBytes() + config.maxBatchBytes() <= config.maxInFlightBytes());
        }

        /** Blocks the next GET_BLOCKS asks for: as many as fit a batch by the largest block seen. */
        int nextCount(Fetch f) {
            long byBytes = Math.max(1, (config.maxBatchBytes() - SyncCodec.BLOCKS_HEADER_SIZE) / blockEstimate);
            long count = Math.min(Math.min(config.batchBlocks(), f.countCap), peerHeight - f.nextFrom + 1);
            return (int) Math.max(1, Math.min(count, byBytes));
        }

        /** The bytes an answer of {@code count} blocks is expected to bring, for the fetch window. */
        int expectedBytes(int count) {
            return (int) Math.min(config.maxBatchBytes(), SyncCodec.BLOCKS_HEADER_SIZE + (long) count * blockEstimate);
        }

        /** With {@code g} taken from the fetch window: sends the next request, or gives it back. */
        void sendRequest(FetchWindow.Grant g) {
            Fetch f = currentFetch(); // the grant may come later: the chain may have grown meanwhile
            if (is(DONE) || f == null || !wantsToSend(f)) {
                window.released(g);
                set(SENDING, false);
                pump();
                return;
            }
            int count = nextCount(f);
            Request r = new Request(f.nextFrom, count, config.maxBatchBytes(), g, System.nanoTime());
            f.add(r);
            f.nextFrom += count;
            send(new SyncMessage.GetBlocks(r.from, r.count, r.maxBytes), () -> {
                set(SENDING, false);
                pump();
            });
            pump(); // keeps a receive pending for the request just sent
        }

        /** What the outstanding requests may bring: each asks for at most {@code maxBatchBytes}. */
        long inFlightBytes() {
            return fetch == null ? 0 : (long) fetch.size() * config.maxBatchBytes();
        }

        boolean noneOutstanding() {
            return fetch == null || fetch.isEmpty();
        }

        void onBlocks(ByteBuf msg, Throwable err) {
            set(RECEIVING, false);
            if (is(DONE) || err != null) {
                abandon(msg, err);
                return;
            }
            Request req = fetch.poll();
            long now = System.nanoTime();
            window.answered(req.grant, now - req.sentNanos, now);
            SessionOutcome bad;
            try {
                bad = process(req, msg);
            } catch (RuntimeException e) {
                bad = failed("internal error processing the answer to " + req + ": " + e);
            } finally {
                msg.release();
            }
            if (bad != null) {
                finish(bad);
            } else {
                guarded(this::pump);
            }
        }

        /** Verifies and appends one response; the outcome to end with if the peer is at fault, else null. */
        SessionOutcome process(Request req, ByteBuf msg) {
            int size = msg.readableBytes();
            db.stats().received(size);
            if (size > req.maxBytes) {
                return misbehaved("answered " + req + " with " + size + " bytes");
            }
            SyncMessage m;
            try {
                m = SyncCodec.decode(msg, req.count, config.maxPayloadSize());
            } catch (SyncProtocolException e) {
                return misbehaved("bad answer to " + req + ": " + e.getMessage());
            }
            if (m instanceof SyncMessage.Error e) {
                return failed("peer answered " + req + " with " + e.errorCode() + ": " + e.text());
            }
            if (!(m instanceof SyncMessage.Blocks b)) {
                return misbehaved("expected BLOCKS for " + req + ", got " + m.getClass().getSimpleName());
            }
            List<Block> blocks = b.blocks();
            if (blocks.isEmpty()) {
                return misbehaved("sent no blocks for " + req + " although it announced height " + peerHeight);
            }
            if (blocks.get(0).height() != req.from) {
                return misbehaved("answered " + req + " with blocks from " + blocks.get(0).height());
            }
            if (fetch.discard > 0) {
                fetch.discard--; // asked before a gap opened below it: cannot be appended
                return null;
            }
            int added = 0;
            int duplicates = 0;
            try {
                for (int i = 0; i < blocks.size(); i++) {
                    Block k = blocks.get(i);
                    if (k.height() == peerHeight && !MessageDigest.isEqual(k.hashRef(), fetch.peerTip)) {
                        db.stats().rejected(blocks.size() - i);
                        return misbehaved("block " + k.height() + " is not the tip it announced");
                    }
                    try {
                        if (db.append(k) == ChainDb.AppendResult.APPENDED) {
                            added++;
                        } else {
                            duplicates++;
                        }
                    } catch (InvalidBlockException e) {
                        db.stats().rejected(blocks.size() - i);
                        return misbehaved("sent an invalid block (" + e.reason() + "): " + e.getMessage());
                    }
                    blockEstimate = Math.max(blockEstimate, SyncCodec.BLOCK_OVERHEAD + k.payloadSize()); // appended: within the limit
                }
            } finally {
                appended += added;
                if (added > 0) {
                    db.stats().synced(added);
                }
                if (duplicates > 0) {
                    db.stats().duplicates(duplicates);
                }
            }
            if (blocks.size() < req.count) {
                // Cut short by the byte limit: the requests behind this one start above a gap.
                fetch.discard = fetch.size();
                fetch.nextFrom = req.from + blocks.size();
                fetch.countCap = blocks.size(); // ask for what it serves from now on, so the pipeline stays useful
            }
            return null;
        }

        void send(SyncMessage m, Runnable then) {
            ctx.send(SyncCodec.encode(m, alloc)).whenCompleteAsync((v, e) -> {
                if (e != null) {
                    abandon(null, e);
                } else if (then != null && !is(DONE)) {
                    guarded(then);
                }
            }, ctx.executor());
        }

        /** Whether the connection ended by the peer's FIN (or its session timeout), not by a failure. */
        boolean peerEndedCleanly(Throwable err) {
            Throwable cause = SyncResponder.unwrap(err);
            if (!(cause instanceof SessionClosedException closed)) {
                return false;
            }
            ErrorCode code = closed.reason().code();
            return closed.reason().remote() && (code == ErrorCode.NO_ERROR || code == ErrorCode.SESSION_TIMEOUT);
        }

        /** Releases a message that arrived too late, or ends the session on a transport failure. */
        void abandon(ByteBuf msg, Throwable err) {
            if (msg != null) {
                msg.release();
            }
            if (err != null && !is(DONE)) {
                Throwable cause = SyncResponder.unwrap(err);
                finish(failed((cause instanceof SessionClosedException ? "connection closed: " : "transport failed: ")
                        + cause.getMessage()));
            }
        }

        void guarded(Runnable step) {
            try {
                step.run();
            } catch (RuntimeException e) {
                finish(failed("internal error: " + e));
            }
        }

        void finish(SessionOutcome outcome) {
            if (is(DONE)) {
                return;
            }
            set(DONE, true);
            if (fetch != null) {
                for (Request r : fetch) {
                    window.released(r.grant); // their answers, if any come, are dropped unread
                }
            }
            if (is(FETCHING)) {
                set(FETCHING, false);
                db.fetchGate().leave();
            }
            if (outcome.misbehaved()) {
                db.stats().misbehaved();
            }
            report.accept(outcome, null);
        }

        SessionOutcome ok(String what) {
            return new SessionOutcome(true, false, "chain " + db.chainId() + ": " + what);
        }

        SessionOutcome failed(String what) {
            return SessionOutcome.failed("chain " + db.chainId() + ": " + what + " (" + appended + " blocks appended)");
        }

        SessionOutcome misbehaved(String what) {
            return SessionOutcome.misbehaved("chain " + db.chainId() + ": peer " + what);
        }
    }
}
