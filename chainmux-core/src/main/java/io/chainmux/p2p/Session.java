package io.chainmux.p2p;

import io.chainmux.broker.SessionClosedException;
import io.chainmux.broker.SessionContext;
import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Application logic run over one P2P connection. The requesting side runs its session (e.g. sync a
 * chain from a peer); the accepting side runs the network's responder session on the inbound
 * connection (e.g. serve blocks). The network enforces the session timeout, contains exceptions,
 * scores the peer by the outcome, and closes the connection when the returned stage completes.
 *
 * <pre>{@code
 * Session ping = ctx -> ctx.send(Unpooled.copiedBuffer("ping", UTF_8))
 *         .thenCompose(v -> ctx.receive())
 *         .thenApply(reply -> { reply.release(); return SessionOutcome.ok(); });
 * }</pre>
 */
@FunctionalInterface
public interface Session {
    CompletionStage<SessionOutcome> run(SessionContext ctx);

    /**
     * Runs the session and reports its outcome to {@code done} (once, on any thread) instead of
     * through a stage. The network calls this form: a session that overrides it spares every running
     * session the stage's dependent and its completion node (thousands wait at rest). The default
     * runs {@link #run(SessionContext)}; a null stage fails the session.
     */
    default void run(SessionContext ctx, BiConsumer<? super SessionOutcome, ? super Throwable> done) {
        CompletionStage<SessionOutcome> stage = run(ctx);
        if (stage == null) {
            done.accept(null, new IllegalStateException("the session returned null"));
        } else {
            stage.whenComplete(done);
        }
    }

    /**
     * A responder that answers every message with {@code reply.apply(message)} until the peer closes
     * its side (a success) or the connection fails (a failure). {@code reply} borrows the request (it
     * is released afterwards: the one callback that lends a buffer) and returns a new message, which
     * {@link SessionContext#send} takes; if it throws, the session fails.
     */
    static Session replying(Function<ByteBuf, ByteBuf> reply) {
        return ctx -> serve(ctx, reply);
    }

    private static CompletionStage<SessionOutcome> serve(SessionContext ctx, Function<ByteBuf, ByteBuf> reply) {
        return ctx.receive().handle((request, failure) -> {
            if (failure != null) {
                Throwable cause = failure.getCause() != null && !(failure instanceof SessionClosedException)
                        ? failure.getCause() : failure;
                return CompletableFuture.completedStage(cause instanceof SessionClosedException closed
                        && closed.reason().code() == ErrorCode.NO_ERROR
                        ? SessionOutcome.ok()
                        : SessionOutcome.failed("connection failed: " + cause.getMessage()));
            }
            ByteBuf answer;
            try {
                answer = reply.apply(request);
            } finally {
                request.release();
            }
            return ctx.send(answer).thenCompose(v -> serve(ctx, reply));
        }).thenCompose(s -> s);
    }
}
