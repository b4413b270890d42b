package io.chainmux.chaindb;

import io.chainmux.p2p.Session;
import io.chainmux.broker.SessionClosedException;
import io.chainmux.broker.SessionContext;
import io.chainmux.p2p.SessionOutcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * The accepting side of a chain sync: answers GET_HEIGHT and GET_BLOCKS, one request at a time and in
 * order, until the peer closes (outcome: success, also when requests it pipelined are left
 * unanswered). A GET_BLOCKS for more than {@code batchBlocks} blocks gets ERROR(REQUEST_TOO_LARGE) and
 * the session goes on; a response never exceeds the smaller of the requested max bytes and
 * {@code maxBatchBytes}. An undecodable or unexpected message gets ERROR(BAD_REQUEST) and ends the
 * session with the peer blamed. Stateless: one instance per chain.
 */
public final class SyncResponder implements Session {
    private final ChainDb db;
    private final ChainDbConfig config;
    private final ByteBufAllocator alloc;

    public SyncResponder(ChainDb db, ChainDbConfig config) {
        this(db, config, ByteBufAllocator.DEFAULT);
    }

    public SyncResponder(ChainDb db, ChainDbConfig config, ByteBufAllocator alloc) {
        this.db = Objects.requireNonNull(db, "db");
        this.config = Objects.requireNonNull(config, "config");
        this.alloc = Objects.requireNonNull(alloc, "alloc");
    }

    @Override
    public CompletionStage<SessionOutcome> run(SessionContext ctx) {
        Run run = new Run(ctx);
        ctx.executor().execute(run::next);
        return run.result;
    }

    /** One session's state; confined to the session executor. */
    private final class Run {
        final SessionContext ctx;
        final CompletableFuture<SessionOutcome> result = new CompletableFuture<>();
        long requests;
        long blocksServed;

        Run(SessionContext ctx) {
            this.ctx = ctx;
        }

        void next() {
            ctx.receive().whenCompleteAsync(this::onRequest, ctx.executor());
        }

        void onRequest(ByteBuf msg, Throwable err) {
            if (err != null) {
                ended("receive", err);
                return;
            }
            ByteBuf reply;
            SessionOutcome end = null;
            try {
                requests++;
                SyncMessage m = SyncCodec.decode(msg, 0, db.maxPayloadSize());
                if (m instanceof SyncMessage.GetHeight || m instanceof SyncMessage.GetBlocks) {
                    reply = answer(m);
                } else {
                    String what = "not a request: " + m.getClass().getSimpleName();
                    reply = error(SyncErrorCode.BAD_REQUEST, what);
                    end = SessionOutcome.misbehaved("chain " + db.chainId() + ": peer sent " + what);
                }
            } catch (SyncProtocolException e) {
                reply = SyncCodec.encode(new SyncMessage.Error(SyncErrorCode.BAD_REQUEST, e.getMessage()), alloc);
                end = SessionOutcome.misbehaved("chain " + db.chainId() + ": undecodable request: " + e.getMessage());
            } catch (RuntimeException e) {
                finish(SessionOutcome.failed("chain " + db.chainId() + ": responder failed: " + e));
                return;
            } finally {
                msg.release();
            }
            SessionOutcome after = end;
            ctx.send(reply).whenCompleteAsync((v, e) -> {
                if (e != null) {
                    ended("send", e);
                } else if (after != null) {
                    finish(after);
                } else {
                    next();
                }
            }, ctx.executor());
        }

        ByteBuf answer(SyncMessage m) {
            if (m instanceof SyncMessage.GetHeight) {
                long h = db.height();
                return SyncCodec.encode(new SyncMessage.Height(h, db.hashAt(h)), alloc);
            }
            if (m instanceof SyncMessage.GetBlocks g) {
                if (g.count() > config.batchBlocks()) {
                    return error(SyncErrorCode.REQUEST_TOO_LARGE, "asked for " + g.count()
                            + " blocks; this node serves at most " + config.batchBlocks() + " per request");
                }
                int maxBytes = Math.min(g.maxBytes(), config.maxBatchBytes());
                ByteBuf blocks = SyncCodec.encodeBlocks(db, g.from(), g.count(), maxBytes, alloc);
                if (blocks == null) {
                    return error(SyncErrorCode.BLOCK_TOO_LARGE, "block " + g.from() + " alone exceeds "
                            + maxBytes + " bytes");
                }
                int n = blocks.getInt(blocks.readerIndex() + 1);
                blocksServed += n;
                db.stats().served(n, blocks.readableBytes());
                return blocks;
            }
            throw new IllegalArgumentException("not a request: " + m);
        }

        ByteBuf error(SyncErrorCode code, String text) {
            return SyncCodec.encode(new SyncMessage.Error(code, "chain " + db.chainId() + ": " + text), alloc);
        }

        /** The connection ended under a receive or send: normal if the peer closed (it is done asking). */
        void ended(String op, Throwable err) {
            Throwable cause = unwrap(err);
            finish(cause instanceof SessionClosedException
                    ? new SessionOutcome(true, false, "chain " + db.chainId() + ": peer done after " + requests
                            + " requests, served " + blocksServed + " blocks")
                    : SessionOutcome.failed("chain " + db.chainId() + ": " + op + " failed: " + cause));
        }

        void finish(SessionOutcome outcome) {
            if (outcome.misbehaved()) {
                db.stats().misbehaved();
            }
            result.complete(outcome);
        }
    }

    static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
