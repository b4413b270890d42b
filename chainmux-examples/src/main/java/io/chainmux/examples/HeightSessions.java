package io.chainmux.examples;

import io.chainmux.broker.NetworkId;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.p2p.NetworkConfig;
import io.chainmux.p2p.NodeConfig;
import io.chainmux.p2p.P2pNode;
import io.chainmux.p2p.Session;
import io.chainmux.p2p.SessionOutcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static java.nio.charset.StandardCharsets.US_ASCII;

/**
 * README, "Writing a session": a P2P network in which every node asks its peers for their chain height and
 * answers their questions. {@link #main} runs two nodes on 127.0.0.1 and prints what each learned.
 */
public final class HeightSessions {
    private HeightSessions() {}

    /** What the sessions need of a chain: its height, and a place for the heights peers report. */
    public static final class Chain {
        private final AtomicLong height;
        final CompletableFuture<Long> peerHeight = new CompletableFuture<>();

        public Chain(long height) {
            this.height = new AtomicLong(height);
        }

        public long height() {
            return height.get();
        }

        /** A height a peer reported (the first one completes {@link #peerHeight()}). */
        public void peerHeight(long reported) {
            peerHeight.complete(reported);
        }

        public CompletableFuture<Long> peerHeight() {
            return peerHeight;
        }
    }

    static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, US_ASCII);
    }

    /** Starts a node that runs the height network for {@code chain}; README shows this method's body. */
    public static P2pNode start(EndpointConfig endpointConfig, Path peerDbFile, List<PeerAddress> bootstrap, Chain chain) {
        // README: Writing a session
        // Ask a peer for its height; a non-number is the peer's fault.
        Session askHeight = ctx -> ctx.request(ascii("height?")).thenApply(reply -> {
            try {
                chain.peerHeight(Long.parseLong(reply.toString(US_ASCII)));
                return SessionOutcome.ok();
            } catch (NumberFormatException e) {
                return SessionOutcome.misbehaved("height is not a number");
            } finally {
                reply.release();
            }
        });
        // Answer every question until the peer closes.
        Session tellHeight = Session.replying(question -> ascii(Long.toString(chain.height())));

        P2pNode node = P2pNode.start(NodeConfig.builder(endpointConfig).peerDbFile(peerDbFile)
                .bootstrap(bootstrap).build());
        node.join(NetworkId.of("0", "height", 1), NetworkConfig.defaults(), askHeight, tellHeight);
        // README end
        return node;
    }

    /** Two nodes on 127.0.0.1, at heights 100 and 200; returns what each learned of the other. */
    public static long[] onLoopback(Path dir) throws Exception {
        Chain low = new Chain(100);
        Chain high = new Chain(200);
        try (P2pNode first = start(loopback(), dir.resolve("first.peers"), List.of(), low);
             P2pNode second = start(loopback(), dir.resolve("second.peers"), List.of(first.address()), high)) {
            return new long[] {low.peerHeight().get(30, TimeUnit.SECONDS), high.peerHeight().get(30, TimeUnit.SECONDS)};
        }
    }

    static EndpointConfig loopback() {
        return EndpointConfig.builder(NodeIdentity.generate()).listen("127.0.0.1:0").build();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("chainmux-example");
        long[] learned = onLoopback(dir);
        System.out.println("the node at height 100 learned " + learned[0] + "; the node at height 200 learned " + learned[1]);
    }
}
