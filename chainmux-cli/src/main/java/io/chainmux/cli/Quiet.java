package io.chainmux.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Log levels for commands whose stderr is a progress display. */
final class Quiet implements AutoCloseable {
    private final ch.qos.logback.classic.Logger logger;

    private Quiet(ch.qos.logback.classic.Logger logger) {
        this.logger = logger;
    }

    /**
     * chainmux's INFO lines (a node listening, ...) would drown the progress lines; warnings still show.
     * A level configured for {@code io.chainmux} is kept; {@link #close()} restores the previous state.
     */
    static Quiet chainmuxWarningsOnly() {
        Logger l = LoggerFactory.getLogger("io.chainmux");
        if (l instanceof ch.qos.logback.classic.Logger logback && logback.getLevel() == null) {
            logback.setLevel(ch.qos.logback.classic.Level.WARN);
            return new Quiet(logback);
        }
        return new Quiet(null);
    }

    @Override
    public void close() {
        if (logger != null) {
            logger.setLevel(null);
        }
    }
}
