package io.chainmux.bench.fairness;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The receiving end of a byte-stream transport (after the length-prefix decoder): hands each message
 * to the sink. Messages of stalled chains are held by an application that never reads them; a receiver
 * that holds at most {@code holdPerChain} bytes for one chain and has no way to tell the sender to stop
 * that chain alone (one TCP stream, FIFO) must stop reading the socket, as it does here.
 */
final class ChainReceiver extends ChannelInboundHandlerAdapter {
    private final Sink sink;
    private final int holdPerChain;
    private final int[] held;

    /** @param holdPerChain bytes held per stalled chain before reading stops; 0: never stop (flow control does it) */
    ChainReceiver(Sink sink, int holdPerChain, int stalledChains) {
        this.sink = sink;
        this.holdPerChain = holdPerChain;
        this.held = new int[holdPerChain > 0 ? stalledChains : 0];
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf m = (ByteBuf) msg;
        try {
            int tag = m.getInt(m.readerIndex());
            int length = m.readableBytes();
            sink.onMessage(tag, m.getLong(m.readerIndex() + 4), length);
            if (holdPerChain > 0 && Chains.kind(tag) == Chains.STALLED) {
                int i = Chains.index(tag);
                held[i] += length;
                if (held[i] > holdPerChain) {
                    ctx.channel().config().setAutoRead(false); // head of line: nothing behind it is read
                }
            }
        } finally {
            m.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a reset at teardown: nothing left to measure
    }
}
