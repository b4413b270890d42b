package io.chainmux.broker;

import io.chainmux.config.ConfigChecks;

import java.time.Duration;

/**
 * Tunables of a {@link ConnectionBroker}; immutable and validated here.
 *
 * @param workerThreads             threads of the shared pool that runs every network's serial executor
 * @param drainBatch                tasks one network runs before yielding its pool thread to others
 * @param closeGrace                how long a finished stream waits for the peer's FIN
 *                                  before it is reset with CANCEL (a peer cannot pin streams open)
 * @param unknownNetworkLogInterval at most one log line per interval about opens for unknown networks
 * @param priorityWorkerThreads     threads of the separate pool for {@link Dispatch#PRIORITY} networks
 */
public record BrokerConfig(int workerThreads, int drainBatch, Duration closeGrace, Duration unknownNetworkLogInterval,
                           int priorityWorkerThreads) {
    private static final ConfigChecks CHECK = new ConfigChecks("BrokerConfig");

    public BrokerConfig {
        CHECK.require(workerThreads >= 1 && workerThreads <= 1024, "workerThreads", workerThreads, "in [1, 1024]");
        CHECK.require(drainBatch >= 1, "drainBatch", drainBatch, ">= 1");
        CHECK.positive(closeGrace, "closeGrace");
        CHECK.positive(unknownNetworkLogInterval, "unknownNetworkLogInterval");
        CHECK.require(priorityWorkerThreads >= 1 && priorityWorkerThreads <= 1024, "priorityWorkerThreads",
                priorityWorkerThreads, "in [1, 1024]");
    }

    /**
     * Two workers per core (at least 2), batches of 64, 10 s close grace, one unknown-network log line
     * per 10 s, one priority worker.
     */
    public static BrokerConfig defaults() {
        return new BrokerConfig(Math.max(2, 2 * Runtime.getRuntime().availableProcessors()), 64,
                Duration.ofSeconds(10), Duration.ofSeconds(10), 1);
    }

    public BrokerConfig withWorkerThreads(int n) {
        return new BrokerConfig(n, drainBatch, closeGrace, unknownNetworkLogInterval, priorityWorkerThreads);
    }

    public BrokerConfig withCloseGrace(Duration d) {
        return new BrokerConfig(workerThreads, drainBatch, d, unknownNetworkLogInterval, priorityWorkerThreads);
    }

    public BrokerConfig withPriorityWorkerThreads(int n) {
        return new BrokerConfig(workerThreads, drainBatch, closeGrace, unknownNetworkLogInterval, n);
    }

}
