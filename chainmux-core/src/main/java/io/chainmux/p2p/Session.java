package io.chainmux.p2p;

import java.util.concurrent.CompletionStage;

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
}
