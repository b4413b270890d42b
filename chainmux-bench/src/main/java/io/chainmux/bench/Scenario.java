package io.chainmux.bench;

import java.time.Duration;
import java.util.List;

/** A named workload and the figure it reports: payload MB/s (bulk) or messages/s (small messages). */
public record Scenario(String name, Metric metric, Workload workload) {
    /** Message size of the bulk scenario: large enough that per-message costs vanish. */
    public static final int BULK_MESSAGE_SIZE = 64 * 1024;

    public enum Metric {
        MEGABYTES_PER_SECOND("MB/s"),
        MESSAGES_PER_SECOND("msg/s");

        public final String unit;

        Metric(String unit) {
            this.unit = unit;
        }

        public double of(Sample s) {
            return this == MEGABYTES_PER_SECOND ? s.megabytesPerSecond() : s.messagesPerSecond();
        }
    }

    public static Scenario bulk() {
        return new Scenario("bulk", Metric.MEGABYTES_PER_SECOND, new Workload(BULK_MESSAGE_SIZE, 1));
    }

    public static Scenario smallMessages(int size, int streams) {
        return new Scenario(size + "B x " + streams, Metric.MESSAGES_PER_SECOND, new Workload(size, streams));
    }

    /** bulk, 64 B x 1 stream, 64 B x 1000 streams. */
    public static List<Scenario> standard() {
        return List.of(bulk(), smallMessages(64, 1), smallMessages(64, 1000));
    }

    public Sample run(Contender contender, Duration warmup, Duration measure) throws Exception {
        RunParams params = new RunParams(warmup, measure, workload);
        return metric == Metric.MEGABYTES_PER_SECOND ? contender.bulk(params) : contender.smallMessages(params);
    }
}
