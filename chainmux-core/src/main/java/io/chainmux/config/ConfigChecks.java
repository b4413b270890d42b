package io.chainmux.config;

import java.time.Duration;

/**
 * Validation for the immutable config records of every layer: each failure is an
 * {@link IllegalArgumentException} naming the record, the field, the rule and the value given.
 */
public final class ConfigChecks {
    private final String owner;

    /** @param owner the record's simple name, e.g. {@code "MuxConfig"} */
    public ConfigChecks(String owner) {
        this.owner = owner;
    }

    /** Fails with "{@code Owner.field must be <rule>, was <value>}" unless {@code ok}. */
    public void require(boolean ok, String field, Object value, String rule) {
        if (!ok) {
            throw new IllegalArgumentException(owner + "." + field + " must be " + rule + ", was " + value);
        }
    }

    public void nonNull(Object value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(owner + "." + field + " must be set");
        }
    }

    public void positive(Duration d, String field) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(owner + "." + field + " must be a positive duration, was " + d);
        }
    }
}
