package io.chainmux.bench.fairness;

import io.chainmux.bench.traffic.Framing;
import io.chainmux.bench.traffic.Handlers;
import io.chainmux.bench.traffic.Loops;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Raw TCP as a shared FIFO (what yamux-like muxers are below their stream windows): every chain writes
 * length-prefixed messages into one socket, taking turns; the receiver hands each message to its chain
 * as it comes. There are no weights, and no flow control per chain: a receiver that must not hold more
 * than {@link #HOLD_PER_CHAIN} bytes for a chain whose reader stopped has to stop reading the socket.
 */
final class TcpFifoRig implements FairnessRig {
    /** What the receiver holds for a stalled chain before it stops reading: chainmux's window floor. */
    static final int HOLD_PER_CHAIN = 32 * 1024;

    private final EventLoopGroup serverGroup = Loops.newGroup("fair-tcp-server");
    private final EventLoopGroup clientGroup = Loops.newGroup("fair-tcp-client");
    private final ChannelGroup accepted = Loops.newChannelGroup("fair-tcp-accepted");
    private Channel listener;
    private Channel client;
    private ChannelPump pump;

    TcpFifoRig(Sink sink, int stalledChains) throws Exception {
        try {
            listener = new ServerBootstrap().group(serverGroup).channel(Loops.serverChannel())
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            accepted.add(ch);
                            ch.pipeline().addLast(Framing.decoder(), new ChainReceiver(sink, HOLD_PER_CHAIN, stalledChains));
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            client = new Bootstrap().group(clientGroup).channel(Loops.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Loops.WATER_MARK)
                    .handler(Handlers.none())
                    .connect(listener.localAddress()).sync().channel();
            pump = new ChannelPump(client, FairnessRun.SATURATING_MESSAGE, b -> b);
        } catch (Throwable t) {
            close();
            throw t;
        }
    }

    @Override
    public boolean hasWeights() {
        return false;
    }

    @Override
    public void saturate(int slot, int weight) {
        pump.add(client, Chains.tag(Chains.SATURATING, slot), Long.MAX_VALUE);
    }

    @Override
    public void openSmall(int count) {
        // Small chains are tags in the one byte stream: nothing to open.
    }

    @Override
    public void sendSmall(int chain) {
        client.write(Chains.framed(client.alloc(), Chains.tag(Chains.SMALL, chain), FairnessRun.SMALL_MESSAGE),
                client.voidPromise());
    }

    @Override
    public void flushSmall() {
        client.flush();
    }

    @Override
    public ScheduledExecutorService ticker() {
        return client.eventLoop();
    }

    @Override
    public void stall(int count, int bytes) {
        for (int i = 0; i < count; i++) {
            pump.add(client, Chains.tag(Chains.STALLED, i), bytes);
        }
    }

    @Override
    public long stallProgress() {
        return pump.sent();
    }

    @Override
    public void close() {
        if (pump != null) {
            pump.stop();
        }
        if (client != null) {
            Loops.close(List.of(client));
        }
        Loops.close(accepted);
        if (listener != null) {
            Loops.close(List.of(listener));
        }
        Loops.shutdown(clientGroup, serverGroup);
    }
}
