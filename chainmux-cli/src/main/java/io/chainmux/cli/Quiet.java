package io.chainmux.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Log levels for commands whose stderr is a progress display. */
final class Quiet {
    private Quiet() {}

    /** chainmux's INFO lines (a node listening, ...) would drown the progress lines; warnings still show. */
    static void chainmuxWarningsOnly() {
        Logger l = LoggerFactory.getLogger("io.chainmux");
        if (l instanceof ch.qos.logback.classic.Logger logback && logback.getLevel() == null) {
            logback.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }
}
