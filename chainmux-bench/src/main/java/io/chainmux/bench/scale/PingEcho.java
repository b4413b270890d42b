package io.chainmux.bench.scale;

import io.chainmux.broker.SessionContext;
import io.chainmux.p2p.Session;
import io.chainmux.p2p.SessionOutcome;

import java.util.concurrent.CompletionStage;

/**
 * The accepting side of the small-message network: echoes every message uncopied, with the time it
 * handled it stamped in ({@link PingMessage#stampEcho}).
 */
final class PingEcho implements Session {
    @Override
    public CompletionStage<SessionOutcome> run(SessionContext ctx) {
        return Session.replying(m -> {
            PingMessage.stampEcho(m, System.nanoTime());
            return m.retainedDuplicate();
        }).run(ctx);
    }
}
