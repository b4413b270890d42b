package io.chainmux.mux;

/**
 * Every place where control enters a connection on its event loop, or leaves it for application
 * code, and what an unexpected {@link RuntimeException} thrown there costs. Each such place catches
 * and calls {@link MuxConnection#contain} with its constant, so the policy lives here, in one place,
 * and no failure escapes to Netty (where it would be logged and forgotten, leaving the connection
 * frozen).
 *
 * <p>Protocol violations by the peer are not failures in this sense: they are
 * {@link io.chainmux.wire.MuxException}s with their own scope, handled by {@link MuxConnection#read}.
 */
enum Containment {
    /** Acting on one frame read from the socket. */
    FRAME("processing a frame", Scope.CONNECTION),
    /** The write pass: read-complete, writability, or its own task. */
    WRITE_PASS("the write pass", Scope.CONNECTION),
    /** The SETTINGS and go-away timers. */
    TIMER("a connection timer", Scope.CONNECTION),
    /** A call from another thread, handed over to the loop. */
    TASK("a connection task", Scope.CONNECTION),
    /** A stream's wake-up after another thread sent on it or consumed from it. */
    STREAM_WAKE("a stream wake-up", Scope.CONNECTION),

    /** The write pass found a queued message released by the application, which had handed it over. */
    RELEASED_MESSAGE("sending a message the application released after handing it over", Scope.STREAM),

    /** The write pass pulling from a stream's {@link MessageSource}: it threw, or announced a message it may not send. */
    MESSAGE_SOURCE("the stream's message source", Scope.STREAM),

    ON_MESSAGE("stream listener onMessage", Scope.STREAM),
    ON_STREAM_OPENED("connection listener onStreamOpened", Scope.STREAM),
    ON_ACCEPTED("stream listener onAccepted", Scope.LOG),
    ON_REMOTE_CLOSED("stream listener onRemoteClosed", Scope.LOG),
    ON_WRITABLE("stream listener onWritable", Scope.LOG),
    ON_SEND_BLOCKED("stream listener onSendBlocked", Scope.LOG),
    ON_STREAM_CLOSED("stream listener onClosed", Scope.LOG),
    ON_READY("connection listener onReady", Scope.LOG),
    ON_GO_AWAY("connection listener onGoAway", Scope.LOG),
    ON_CONNECTION_CLOSED("connection listener onClosed", Scope.LOG);

    /** What a failure costs. */
    enum Scope {
        /** A bug in chainmux or state it cannot trust: GO_AWAY(INTERNAL_ERROR) and close. */
        CONNECTION,
        /**
         * The stream's listener failed, or the application broke a rule on that stream only: that
         * stream is reset (INTERNAL_ERROR), the others go on.
         */
        STREAM,
        /** A notification failed: logged; nothing to undo. */
        LOG
    }

    final String what;
    final Scope scope;

    Containment(String what, Scope scope) {
        this.what = what;
        this.scope = scope;
    }
}
