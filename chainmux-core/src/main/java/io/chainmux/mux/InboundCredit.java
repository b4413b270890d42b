package io.chainmux.mux;

/**
 * Receive-side credit bookkeeping of one stream: decides how much of what arrived may be returned
 * to the peer, and when. It is also the stream's {@link ReceiveWindow} (started when the stream gets
 * its id; see {@link MuxStream#receiveWindow}).
 *
 * <p>The rule: credit comes back when the application consumes a message. But a message larger
 * than the window could then never complete, so the fragments of a message in progress (frames
 * without END_MESSAGE) are credited on arrival, as long as the application has no delivered message
 * left unconsumed; otherwise they wait until it has caught up. Per stream the receiver thus holds
 * at most one message in assembly (bounded by the stream's max message size) plus a window of
 * complete, unconsumed messages. Credit returned early for a message is a debt the application's
 * {@code consumed} call pays off, so in total exactly what arrived is returned, never more.
 *
 * <p>It also keeps the stream's commitment to the connection's {@link ReceiveBudget}: credit
 * granted and not yet settled by consumption; when the stream ends the rest is settled at once.
 * Event-loop confined.
 *
 * <p>A stream's {@link StreamInbox} extends it (through {@link ConsumptionGuard}): the stream's whole
 * receive side is one object, since every idle stream holds all of it (8,000 per node at 1000
 * networks; each object costs a header and padding).
 */
class InboundCredit extends ReceiveWindow {
    /** Early credit of delivered messages that their consumption must not return again. */
    private long debt;
    /*
     * The three below are ints (8,000 idle streams per node): each is part of one message's fragment
     * charge, which the frame handler bounds by the stream's max message size (an int) before it gets
     * here. The backlog's: fragments are credited early only while nothing delivered is unconsumed, and
     * nothing in the backlog can be consumed before the accept, so only its first message has any.
     */
    /** Early credit of messages waiting in the accept backlog. */
    private int backlogDebt;
    /** Fragment charge of the message in assembly, returned already. */
    private int assemblyEarly;
    /** Fragment charge of the message in assembly, held back while the application lags. */
    private int assemblyDeferred;
    private int unconsumed;
    /** Credit granted to the peer on this stream and not yet settled (see {@link ReceiveBudget}). */
    private long committed;

    /** A fragment (not the end of a message) arrived: returns the charge to release now. */
    long fragment(int charge) {
        if (unconsumed > 0) {
            assemblyDeferred += charge;
            return 0;
        }
        assemblyEarly += charge;
        return charge;
    }

    /** A whole message was handed to the application (or to the accept backlog). */
    void messageDelivered(boolean toBacklog) {
        if (toBacklog) {
            backlogDebt += assemblyEarly;
        } else {
            debt += assemblyEarly;
        }
        assemblyEarly = 0;
        assemblyDeferred = 0;
        unconsumed++;
    }

    /** Backlogged messages went to the application on accept. */
    void backlogDelivered() {
        debt += backlogDebt;
        backlogDebt = 0;
    }

    /**
     * The application consumed messages worth {@code charge} (length + 1 each).
     *
     * @return the credit to return now
     */
    long creditOnConsumed(long charge, int messages) {
        long paid = Math.min(debt, charge);
        debt -= paid;
        long release = charge - paid;
        unconsumed = Math.max(0, unconsumed - messages);
        if (unconsumed == 0 && assemblyDeferred > 0) {
            release += assemblyDeferred;
            assemblyEarly += assemblyDeferred;
            assemblyDeferred = 0;
        }
        return release;
    }

    /** Credit was granted to the peer (the initial window, or a WINDOW_UPDATE): it is now committed. */
    void granted(long bytes) {
        committed += bytes;
    }

    /**
     * Messages worth {@code charge} were consumed: that much of the commitment is settled (never
     * more than is committed, whatever the application reports).
     *
     * @return the bytes settled, to take off the connection's receive budget
     */
    long settle(long charge) {
        long settled = Math.min(charge, committed);
        committed -= settled;
        return settled;
    }

    /** The stream ended: everything still committed is settled, once. */
    long settleAll() {
        long settled = committed;
        committed = 0;
        return settled;
    }

    /** Credit granted and not yet settled. */
    long committed() {
        return committed;
    }

    int unconsumed() {
        return unconsumed;
    }
}
