package io.chainmux.node.demo;

/** The demo could not run (a node did not start, answer or verify); the message is one line for the user. */
public final class DemoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DemoException(String message) {
        super(message, null, false, false);
    }
}
