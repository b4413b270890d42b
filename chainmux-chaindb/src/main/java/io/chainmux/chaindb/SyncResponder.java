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
import java.util.function.BiConsumer;

/**
 * The accepting side of a chain sync: answers GET_HEIGHT, GET_BLOCKS and WAIT_HEIGHT, one request at a
 * time and in order, until the peer closes (outcome: success, also when requests it pipelined are left
 * unanswered). A WAIT_HEIGHT is parked until the chain grows above the height asked, at no cost
 * meanwhile; a request arriving first ends the wait early (answered with the current height). A GET_BLOCKS for more than {@code batchBlocks} blocks gets ERROR(REQUEST_TOO_LARGE) and
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
        return run;
    }

    /**
     * One session's state; confined to the session executor. At most one receive is pending at any
     * time: after each answer, or while a WAIT_HEIGHT is parked (so the peer's FIN, or its next
     * request, is seen at once). It is also the session's result, completed when it ends, and its own
     * receive callback, so a parked session holds no future of its own.
     */
    private final class Run extends CompletableFuture<SessionOutcome> implements BiConsumer<ByteBuf, Throwable> {
        final SessionContext ctx;
        long requests;
        long blocksServed;
        boolean receiving;
        boolean done;
        /** A parked WAIT_HEIGHT, null if none. */
        HeightWatchers.Watch wait;

        Run(SessionContext ctx) {
            this.ctx = ctx;
        }

        void next() {
            if (done || receiving) {
                return;
            }
            receiving = true;
            ctx.receive(this);
        }

        @Override
        public void accept(ByteBuf msg, Throwable err) {
            onRequest(msg, err);
        }

        void onRequest(ByteBuf msg, Throwable err) {
            receiving = false;
            if (err != null) {
                ended("receive", err);
                return;
            }
            if (done) {
                msg.release();
                return;
            }
            if (wait != null) { // a new request ends a parked wait: answer it with the height we have
                wait.close();
                wait = null;
                send(height(), null);
            }
            ByteBuf reply;
            SessionOutcome end = null;
            try {
                requests++;
                SyncMessage m = SyncCodec.decode(msg, 0, db.maxPayloadSize());
                if (m instanceof SyncMessage.WaitHeight w) {
                    park(w.above());
                    return;
                }
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
            send(reply, end);
        }

        /** Sends a reply; then ends with {@code after}, or reads the next request. */
        void send(ByteBuf reply, SessionOutcome after) {
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

        /** WAIT_HEIGHT: answer now if above, else when the chain grows; meanwhile keep reading. */
        void park(long above) {
            if (db.height() > above) {
                send(height(), null);
                return;
            }
            wait = db.watchAbove(above, () -> ctx.executor().execute(() -> grown(above)));
            next();
        }

        void grown(long above) {
            if (done || wait == null || wait.above != above) {
                return; // answered meanwhile (a new request), or the session ended
            }
            wait = null;
            ctx.send(height()).whenCompleteAsync((v, e) -> {
                if (e != null) {
                    ended("send", e);
                }
            }, ctx.executor()); // the receive is already pending
        }

        ByteBuf height() {
            long h = db.height();
            return SyncCodec.encode(new SyncMessage.Height(h, db.hashAt(h)), alloc);
        }

        ByteBuf answer(SyncMessage m) {
            if (m instanceof SyncMessage.GetHeight) {
                return height();
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
            if (done) {
                return;
            }
            done = true;
            if (wait != null) {
                wait.close();
                wait = null;
            }
            if (outcome.misbehaved()) {
                db.stats().misbehaved();
            }
            complete(outcome);
        }
    }

    static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
