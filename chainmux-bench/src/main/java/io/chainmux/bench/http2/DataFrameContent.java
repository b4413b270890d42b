package io.chainmux.bench.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;

import java.util.List;

/**
 * Turns a stream's DATA frames into their bytes, for the length-prefix decoder behind it (messages
 * may split anywhere between frames); drops the HEADERS. Netty's child channel returns the frame's
 * flow-control credit once the frame has been read.
 */
public final class DataFrameContent extends MessageToMessageDecoder<Object> {
    public DataFrameContent() {
        super(Object.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, Object frame, List<Object> out) {
        if (frame instanceof Http2DataFrame data) {
            ByteBuf content = data.content();
            if (content.isReadable()) {
                out.add(content.retain());
            }
        } else if (!(frame instanceof Http2HeadersFrame)) {
            throw new IllegalStateException("unexpected frame on a benchmark stream: " + frame);
        }
    }
}
