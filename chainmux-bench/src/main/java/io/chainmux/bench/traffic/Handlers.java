package io.chainmux.bench.traffic;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;

/** Small shared handlers. */
public final class Handlers {
    private Handlers() {}

    /** A bootstrap needs a handler before the real ones exist; this one adds nothing. */
    public static ChannelHandler none() {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                // The sender's listener is added once all channels are open.
            }
        };
    }
}
