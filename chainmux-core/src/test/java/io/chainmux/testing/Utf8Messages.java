package io.chainmux.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/** Text messages for tests: a UTF-8 buffer to send, and a received one read and released. */
public final class Utf8Messages {
    private Utf8Messages() {
    }

    public static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    /** The message as text; releases it. */
    public static String read(ByteBuf m) {
        try {
            return m.toString(StandardCharsets.UTF_8);
        } finally {
            m.release();
        }
    }
}
