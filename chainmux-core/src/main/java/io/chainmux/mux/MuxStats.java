package io.chainmux.mux;

/**
 * Counters of one connection, written by its event loop only. Reads from other threads are racy but
 * never torn in practice for monitoring; they are not a synchronization mechanism.
 */
public final class MuxStats {
    long bytesIn;
    long bytesOut;
    long messagesIn;
    long messagesOut;
    long streamsOpenedLocal;
    long streamsOpenedRemote;
    long streamsRefusedLocal;
    long resetsSent;
    long resetsReceived;
    long sendWindowStalls;
    long connectionWindowStalls;
    private final long[] budgetExceeded = new long[Budget.values().length];
    private final long[] budgetCharged = new long[Budget.values().length];
    long receiveCommitted;
    long receiveCommittedPeak;
    long sendBlocked;
    long pipeTightened;

    /** Payload bytes received in DATA frames. */
    public long bytesIn() { return bytesIn; }
    /** Payload bytes sent in DATA frames. */
    public long bytesOut() { return bytesOut; }
    public long messagesIn() { return messagesIn; }
    public long messagesOut() { return messagesOut; }
    public long streamsOpenedLocal() { return streamsOpenedLocal; }
    public long streamsOpenedRemote() { return streamsOpenedRemote; }
    /** Inbound opens refused by this side (by the application or a limit). */
    public long streamsRefusedLocal() { return streamsRefusedLocal; }
    public long resetsSent() { return resetsSent; }
    public long resetsReceived() { return resetsReceived; }
    /** Times a stream had data but no stream window left. */
    public long sendWindowStalls() { return sendWindowStalls; }
    /** Times the whole connection had data but no connection window left. */
    public long connectionWindowStalls() { return connectionWindowStalls; }
    /** Times the peer broke any {@link Budget}. */
    public long budgetExceeded() {
        long n = 0;
        for (long b : budgetExceeded) {
            n += b;
        }
        return n;
    }

    /** Times the peer broke one budget. */
    public long budgetExceeded(Budget budget) { return budgetExceeded[budget.ordinal()]; }

    void budgetHit(Budget budget) {
        budgetExceeded[budget.ordinal()]++;
    }

    /**
     * Events counted against one rate budget, within it or not: premature RESETs received
     * ({@link Budget#RECEIVED_RESETS}), RESETs the peer provoked ({@link Budget#SENT_RESETS}), PINGs
     * ({@link Budget#PINGS}); zero for the others. What an endpoint sums per remote address over
     * connections, since each connection's budget starts afresh.
     */
    public long budgetCharged(Budget budget) { return budgetCharged[budget.ordinal()]; }

    void charged(Budget budget) {
        budgetCharged[budget.ordinal()]++;
    }

    /** Adds every counter of {@code s} to this one (a closed connection's final counts). */
    void add(MuxStats s) {
        bytesIn += s.bytesIn;
        bytesOut += s.bytesOut;
        messagesIn += s.messagesIn;
        messagesOut += s.messagesOut;
        streamsOpenedLocal += s.streamsOpenedLocal;
        streamsOpenedRemote += s.streamsOpenedRemote;
        streamsRefusedLocal += s.streamsRefusedLocal;
        resetsSent += s.resetsSent;
        resetsReceived += s.resetsReceived;
        sendWindowStalls += s.sendWindowStalls;
        connectionWindowStalls += s.connectionWindowStalls;
        pipeTightened += s.pipeTightened;
        sendBlocked += s.sendBlocked; // receiveCommitted and its peak are gauges of a live connection: not summed
        for (int i = 0; i < budgetExceeded.length; i++) {
            budgetExceeded[i] += s.budgetExceeded[i];
            budgetCharged[i] += s.budgetCharged[i];
        }
    }
    /**
     * Bytes of receive credit committed to the peer right now, over all streams: a bound on what it
     * can make this side hold in windows and unread messages; never above {@link MuxConfig#receiveBudget()}.
     */
    public long receiveCommitted() { return receiveCommitted; }
    /** The highest {@link #receiveCommitted()} so far. */
    public long receiveCommittedPeak() { return receiveCommittedPeak; }
    /** Times a stream with data queued ran out of its send window (the peer does not read fast enough). */
    public long sendBlocked() { return sendBlocked; }
    /**
     * Times the send side's pipe budget started to hold tight: a light stream sent beside a heavy one
     * (see {@code PipeBudget}); it then holds for at least a second.
     */
    public long pipeTightened() { return pipeTightened; }
}
