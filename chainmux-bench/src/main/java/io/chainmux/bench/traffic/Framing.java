package io.chainmux.bench.traffic;

import io.chainmux.bench.Workload;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/** The 4-byte length prefix of the stream transports. */
public final class Framing {
    private Framing() {}

    /** Splits a byte stream into messages (one retained slice each) and strips the length prefix. */
    public static LengthFieldBasedFrameDecoder decoder() {
        return new LengthFieldBasedFrameDecoder(Payloads.LENGTH_PREFIX + Workload.MAX_MESSAGE_SIZE,
                0, Payloads.LENGTH_PREFIX, 0, Payloads.LENGTH_PREFIX);
    }
}
