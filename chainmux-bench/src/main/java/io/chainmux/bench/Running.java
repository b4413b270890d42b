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
}
