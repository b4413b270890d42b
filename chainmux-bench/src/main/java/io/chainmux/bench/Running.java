package io.chainmux.bench;

/** A started contender: server and client running, the client sending. Closing stops and frees everything. */
@FunctionalInterface
public interface Running extends AutoCloseable {
    /**
     * Stops the senders, closes every channel and shuts down both event loop groups, each wait bounded
     * in time. Errors seen while closing are not failures of the run.
     */
    @Override
    void close();

    /**
     * How often the sender's connection has tightened its pipe so far (a chainmux connection's
     * {@code pipeTightened} count: a light stream was seen waiting beside a heavy one, so the bytes it
     * lets ahead of the peer's reads were cut to the contended budget), or -1 for a contender that has
     * no such pipe. Read from another thread: a monitoring figure, not a synchronization point.
     */
    default long pipeTightenings() {
        return -1;
    }
}
