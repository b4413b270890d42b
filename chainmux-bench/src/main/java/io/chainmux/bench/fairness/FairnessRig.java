package io.chainmux.bench.fairness;

import java.util.concurrent.ScheduledExecutorService;

/**
 * One connection of one contender, client and server in this JVM on 127.0.0.1, carrying the chains
 * of a fairness part. Receivers report to the {@link Sink} the rig was opened with. Calls come from
 * the harness thread except {@link #sendSmall} and {@link #flushSmall}, which run on {@link #ticker()}.
 */
interface FairnessRig extends AutoCloseable {
    /** Opens one rig per part. */
    @FunctionalInterface
    interface Factory {
        FairnessRig open(Sink sink) throws Exception;
    }

    /** Whether chains can have unequal shares ({@link #saturate}'s weight means something). */
    boolean hasWeights();

    /** Opens a chain that sends {@link FairnessRun#SATURATING_MESSAGE}-byte messages as fast as it may. */
    void saturate(int slot, int weight) throws Exception;

    /** Opens {@code count} chains of small messages; returns once messages can be sent on them. */
    void openSmall(int count) throws Exception;

    /** Sends one {@link FairnessRun#SMALL_MESSAGE}-byte message, stamped now, on small chain {@code chain}. */
    void sendSmall(int chain);

    /** Ends a tick's batch of small messages (flushes, where the transport needs it). */
    void flushSmall();

    /** Where {@link #sendSmall} runs: the client's event loop. */
    ScheduledExecutorService ticker();

    /**
     * Opens {@code count} chains whose receiver never reads; each sends {@code bytes} in
     * {@link FairnessRun#SATURATING_MESSAGE}-byte messages, as its transport lets it.
     */
    void stall(int count, int bytes) throws Exception;

    /** A figure that grows while stalled chains still make progress (bytes sent, senders blocked). */
    long stallProgress();

    @Override
    void close();
}
