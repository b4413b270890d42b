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
    /**
     * Early credit of delivered messages that their consumption must not return again, those in the
     * accept backlog included: nothing can be consumed before the accept (the guard refuses it), so
     * they pay off nothing before then, and one count serves both (8,000 idle streams per node). An
     * int: an application that reports what it consumed pays it off before fragments are credited
     * early again (nothing it holds is unconsumed then), so it stays within one message's charge; one
     * that reports less than it got may make it pile up, and it stops at 2^31 - 1: what it would count
     * beyond may come back twice, within the window (see {@link ReceiveWindow#addPending}).
     */
    private int debt;
    /**
     * Fragment charge of the message in assembly: returned already while {@link #unconsumed} is 0, held
     * back while it is not. One count serves both (8,000 idle streams per node): during one message's
     * assembly nothing is delivered, so {@code unconsumed} only falls; its fragments are held back
     * while the application lags, all come back when it has caught up, and the rest are credited as
     * they come. An int: the frame handler bounds a message's charge by the stream's max message size
     * (an int) before it gets here.
     */
    private int assemblyCharge;
    private int unconsumed;
    /** Credit granted to the peer on this stream and not yet settled (see {@link ReceiveBudget}). */
    private long committed;

    /** A fragment (not the end of a message) arrived: returns the charge to release now. */
    long fragment(int charge) {
        assemblyCharge += charge;
        return unconsumed > 0 ? 0 : charge;
    }

    /** A whole message was handed to the application (or to the accept backlog). */
    void messageDelivered() {
        if (unconsumed == 0) { // returned early: its consumption must not return it again
            debt = (int) Math.min(Integer.MAX_VALUE, (long) debt + assemblyCharge);
        }
        assemblyCharge = 0; // held back: its consumption returns it
        unconsumed++;
    }

    /**
     * The application consumed messages worth {@code charge} (length + 1 each).
     *
     * @return the credit to return now
     */
    long creditOnConsumed(long charge, int messages) {
        long paid = Math.min(debt, charge);
        debt -= (int) paid;
        long release = charge - paid;
        boolean lagged = unconsumed > 0;
        unconsumed = Math.max(0, unconsumed - messages);
        if (lagged && unconsumed == 0) {
            release += assemblyCharge; // held back until now; from here on it counts as returned early
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
