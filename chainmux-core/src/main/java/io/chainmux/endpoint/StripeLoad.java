package io.chainmux.endpoint;

/**
 * What a stripe carries when a stream is placed, measured on its connection.
 *
 * @param streams           streams open or opening
 * @param queuedBytes       outbound bytes queued in the connection, not yet written to the socket
 * @param sentBytesPerSecond payload bytes sent per second since the previous measurement of this stripe
 *                          (at least {@link StripeMeter#SAMPLE_NANOS} apart); 0 before the first
 */
public record StripeLoad(int streams, long queuedBytes, long sentBytesPerSecond) {
    /**
     * Queued bytes from which a stripe counts as carrying bulk: half a stream's default send buffer,
     * which large messages waiting for their window fill, and what chains of small messages do not pile
     * up (a stream takes at most its window plus 32 KiB of those).
     */
    public static final long BULK_QUEUED_BYTES = 128 * 1024;
    /** Send rate from which a stripe counts as carrying bulk, however little waits in its queue. */
    public static final long BULK_BYTES_PER_SECOND = 32L * 1024 * 1024;

    public StripeLoad {
        if (streams < 0 || queuedBytes < 0 || sentBytesPerSecond < 0) {
            throw new IllegalArgumentException("negative load: " + streams + " streams, " + queuedBytes
                    + " queued bytes, " + sentBytesPerSecond + " B/s");
        }
    }

    /** Whether a bulk transfer keeps this stripe busy (bytes pile up, or flow fast). */
    public boolean carriesBulk() {
        return queuedBytes >= BULK_QUEUED_BYTES || sentBytesPerSecond >= BULK_BYTES_PER_SECOND;
    }

    /** Bytes ahead of a new message, about: what is queued plus what the stripe sends in 100 ms. */
    public long bytesAhead() {
        return queuedBytes + sentBytesPerSecond / 10;
    }
}
