package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;

import java.nio.charset.StandardCharsets;

/**
 * Why a stream or connection ended. {@code remote} tells who decided: the peer (a RESET or GO_AWAY it
 * sent) or this side (a local reset, a limit, a lost connection). {@code detail} is the RESET
 * detail, e.g. alternative peers with a busy refusal; empty when there is none.
 */
public record CloseReason(ErrorCode code, boolean remote, String message, byte[] detail) {
    private static final byte[] NONE = new byte[0];

    public static final CloseReason NORMAL = new CloseReason(ErrorCode.NO_ERROR, false, "closed", NONE);

    public CloseReason {
        detail = detail == null ? NONE : detail;
        message = message == null ? code.description : message;
    }

    public static CloseReason local(ErrorCode code, String message) {
        return new CloseReason(code, false, message, NONE);
    }

    public static CloseReason remote(ErrorCode code, String message, byte[] detail) {
        return new CloseReason(code, true, message, detail);
    }

    public boolean isNormal() {
        return code == ErrorCode.NO_ERROR;
    }

    public String detailText() {
        return new String(detail, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return code + (remote ? " (by peer)" : " (local)") + ": " + message;
    }
}
