package io.chainmux.mux;

/**
 * The budgets and deadlines a peer can break on one connection. Each hit is counted
 * ({@link MuxStats#budgetExceeded(Budget)}, endpoint-wide in {@link MuxTotals}) under its
 * {@link #label}, and names the budget in the close or reset message.
 */
public enum Budget {
    /** Premature RESETs received (rapid reset): {@link MuxConfig#receivedResets()}. Closes the connection. */
    RECEIVED_RESETS("received_resets"),
    /** RESETs the peer provoked from us (MadeYouReset): {@link MuxConfig#sentResets()}. Closes the connection. */
    SENT_RESETS("sent_resets"),
    /** PINGs answered: {@link MuxConfig#pings()}. Closes the connection. */
    PINGS("pings"),
    /** Control frames queued while the peer does not read: {@link MuxConfig#maxQueuedControlFrames()}. Closes the connection. */
    QUEUED_CONTROL_FRAMES("queued_control_frames"),
    /** Bytes of partial messages held over all streams: {@link MuxConfig#maxReassemblyBytes()}. Resets the stream. */
    REASSEMBLY("reassembly"),
    /** Stream credit committed over all streams: {@link MuxConfig#receiveBudget()}. Refuses the new stream (REFUSED_LIMIT). */
    RECEIVE_BUDGET("receive_budget"),
    /** No byte written while output was pending: {@link MuxConfig#writeTimeout()}. Closes the connection. */
    WRITE_PROGRESS("write_progress"),
    /** A message in progress too slow: {@link MuxConfig#messageTimeout()}, {@link MuxConfig#minMessageRate()}. Resets the stream. */
    MESSAGE_PROGRESS("message_progress");

    /** The metric label and the name in log lines. */
    public final String label;

    Budget(String label) {
        this.label = label;
    }
}
