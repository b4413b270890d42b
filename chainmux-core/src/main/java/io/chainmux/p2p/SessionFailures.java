package io.chainmux.p2p;

import io.chainmux.broker.SessionClosedException;
import io.chainmux.mux.CloseReason;
import io.chainmux.wire.ErrorCode;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** How a session or an open ended, read from its outcome, its failure and its stream's close reason. */
final class SessionFailures {
    private SessionFailures() {}

    /**
     * The session ended because its TCP connection broke (this side saw the loss; the peer decided
     * nothing). See {@link PeerDb#connectionLost}: the path's failure, not a reason to back the peer off.
     */
    static boolean lostConnection(RunningSession r, Throwable failure) {
        Throwable cause = failure == null ? null : unwrap(failure);
        if (cause instanceof SessionClosedException closed) {
            return isLost(closed.reason());
        }
        CompletableFuture<CloseReason> closed = r.conn.closeFuture();
        return closed.isDone() && isLost(closed.join()); // the session turned the loss into its own failure
    }

    static boolean isLost(CloseReason reason) {
        return !reason.remote() && reason.code() == ErrorCode.CONNECTION_LOST;
    }

    /** A short category for a failed outgoing session (see {@link NetworkStats#failuresByReason()}). */
    static String failureReason(RunningSession r, SessionOutcome o, Throwable failure, boolean timedOut) {
        if (timedOut) {
            return "timeout";
        }
        Throwable cause = failure == null ? null : unwrap(failure);
        if (cause instanceof SessionClosedException closed) {
            return "closed: " + closed.reason().code();
        }
        if (cause != null) {
            return "error: " + cause.getClass().getSimpleName();
        }
        if (o.misbehaved()) {
            return "misbehaved";
        }
        CompletableFuture<CloseReason> closed = r.conn.closeFuture();
        if (closed.isDone() && !closed.join().isNormal()) { // the session turned the reset into its own failure
            return "closed: " + closed.join().code();
        }
        return "failed";
    }

    static SessionOutcome outcomeOf(SessionOutcome outcome, Throwable failure) {
        if (failure != null) {
            Throwable cause = unwrap(failure);
            if (cause instanceof SessionClosedException closed) {
                return SessionOutcome.failed("connection closed: " + closed.reason());
            }
            return SessionOutcome.failed("session failed: " + cause);
        }
        return outcome != null ? outcome : SessionOutcome.failed("the session completed with a null outcome");
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
