package io.chainmux.bench.scale;

import io.chainmux.broker.SessionContext;
import io.chainmux.p2p.Session;
import io.chainmux.p2p.SessionOutcome;

import java.util.concurrent.CompletionStage;

/** The accepting side of the small-message network: echoes every message, unchanged and uncopied. */
final class PingEcho implements Session {
    @Override
    public CompletionStage<SessionOutcome> run(SessionContext ctx) {
        return Session.replying(m -> m.retainedDuplicate()).run(ctx);
    }
}
