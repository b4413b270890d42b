package io.chainmux.bench.traffic;

/**
 * Expects sequence numbers 0, 1, 2, ... on each stream. A gap, a reorder or a duplicate fails the run.
 * Confined to the receiving event loop.
 */
public final class SequenceChecker {
    private final long[] expected;

    public SequenceChecker(int streams) {
        if (streams < 1) {
            throw new IllegalArgumentException("streams must be >= 1: " + streams);
        }
        this.expected = new long[streams];
    }

    /** Accepts the next message of {@code stream} or throws {@link SequenceException}. */
    public void check(int stream, long seq) {
        if (stream < 0 || stream >= expected.length) {
            throw new SequenceException("message for unknown stream " + stream + " (streams: " + expected.length + ")");
        }
        long want = expected[stream];
        if (seq != want) {
            throw new SequenceException(String.format("stream %d: expected message #%d, got #%d (%s)",
                    stream, want, seq, seq > want ? "gap: messages lost" : "reordered or duplicated"));
        }
        expected[stream] = want + 1;
    }

    /** Messages accepted so far on {@code stream}. */
    public long received(int stream) {
        return expected[stream];
    }
}
