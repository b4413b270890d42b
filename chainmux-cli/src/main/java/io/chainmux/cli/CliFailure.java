package io.chainmux.cli;

/** A failed run with a one-line message for the user; the command exits with {@link Main#EXIT_FAILURE}. */
final class CliFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CliFailure(String message) {
        super(message, null, false, false);
    }
}
