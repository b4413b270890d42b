package io.chainmux.examples;

import io.chainmux.endpoint.Endpoint;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.EndpointListener;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * README, "Using the transport directly": an endpoint that accepts every stream, dials a peer, opens a
 * stream and sends on it. {@link #main} runs it against an echoing endpoint on 127.0.0.1.
 */
public final class DirectTransport {
    private DirectTransport() {}

    /** The endpoint and the stream the README's code made. */
    public record Started(Endpoint endpoint, MuxStream stream) {}

    /** README shows this method's body. */
    public static Started start(Path keyFile, String listenAddress, PeerAddress remote, StreamListener myListener,
                                ByteBuf message) throws Exception {
        // README: Using the transport directly
        NodeIdentity me = NodeIdentity.loadOrCreate(keyFile);
        Endpoint endpoint = Endpoint.start(EndpointConfig.builder(me).listen(listenAddress).stripes(2).build(),
                new EndpointListener() {
                    @Override
                    public void onStreamOpened(PeerConnection peer, MuxStream stream) {
                        stream.accept(myListener, 1 << 20);   // or stream.refuse(ErrorCode.REFUSED_BUSY, alternatives)
                    }
                });
        PeerConnection peer = endpoint.connect(remote).get();
        MuxStream stream = peer.openStream("7/chaindb-sync/1", 1 << 20, 1, myListener);
        stream.trySend(message);     // false: send buffer full, still yours, wait for onWritable; true or a throw: taken
        // README end
        return new Started(endpoint, stream);
    }

    /** Collects the first message of a stream as text; gives its credit back, as every reader must. */
    public static final class FirstMessage implements StreamListener {
        final CompletableFuture<String> text = new CompletableFuture<>();

        @Override
        public void onMessage(MuxStream stream, ByteBuf message) {
            int length = message.readableBytes();
            text.complete(message.toString(UTF_8));
            message.release();
            stream.consumed(length);
        }

        @Override
        public void onClosed(MuxStream stream, CloseReason reason) {
            text.completeExceptionally(new IllegalStateException("stream closed before a message: " + reason));
        }

        public CompletableFuture<String> text() {
            return text;
        }
    }

    /** Sends every message back on its stream, and closes its side when the peer closes its own. */
    static final class Echo implements StreamListener {
        @Override
        public void onMessage(MuxStream stream, ByteBuf message) {
            int length = message.readableBytes();
            if (!stream.trySend(message)) {
                message.release();
                stream.reset(ErrorCode.INTERNAL_ERROR);
            }
            stream.consumed(length);
        }

        @Override
        public void onRemoteClosed(MuxStream stream) {
            stream.close();
        }

        @Override
        public void onClosed(MuxStream stream, CloseReason reason) {}
    }

    /** The README's code against an echoing endpoint on 127.0.0.1; returns the echo of {@code text}. */
    public static String onLoopback(Path dir, String text) throws Exception {
        Echo echo = new Echo();
        NodeIdentity echoId = NodeIdentity.generate();
        try (Endpoint echoing = Endpoint.start(EndpointConfig.builder(echoId).listen("127.0.0.1:0").build(),
                new EndpointListener() {
                    @Override
                    public void onStreamOpened(PeerConnection peer, MuxStream stream) {
                        stream.accept(echo, 1 << 20);
                    }
                })) {
            PeerAddress remote = PeerAddress.of(echoing.localAddress()).withPeer(echoId.peerId());
            FirstMessage reply = new FirstMessage();
            Started started = start(dir.resolve("node.key"), "127.0.0.1:0", remote, reply, Unpooled.copiedBuffer(text, UTF_8));
            try (Endpoint endpoint = started.endpoint()) {
                String echoed = reply.text().get(30, TimeUnit.SECONDS);
                started.stream().close();
                return echoed;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        System.out.println("echoed: " + onLoopback(Files.createTempDirectory("chainmux-example"), "hello"));
    }
}
