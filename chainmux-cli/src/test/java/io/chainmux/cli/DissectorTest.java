package io.chainmux.cli;

import io.chainmux.endpoint.Endpoint;
import io.chainmux.endpoint.EndpointConfig;
import io.chainmux.endpoint.EndpointListener;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.PeerConnection;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxConfig;
import io.chainmux.mux.MuxStream;
import io.chainmux.mux.StreamListener;
import io.chainmux.wire.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * tools/chainmux.lua decodes a capture of real chainmux traffic (plaintext, loopback) that this
 * test makes: every frame type with its fields, stream ids and network ids. Needs tshark (Debian
 * package tshark; .ci/run installs it) and permission to capture on the loopback (root); skipped
 * with a message otherwise.
 */
class DissectorTest {
    static final Path DISSECTOR = Path.of("..", "tools", "chainmux.lua").toAbsolutePath().normalize();
    static final String NETWORK = "7/chaindb-sync/1";
    static final String REFUSED_NETWORK = "nobody/serves-this/1";
    static final long WAIT = 30;

    @Test
    void everyFrameTypeIsDecodedWithItsFields() throws Exception {
        Assumptions.assumeTrue(onPath("tshark"), "tshark is not installed (Debian package tshark; .ci/run installs it):"
                + " the Wireshark dissector test is skipped");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // Live capture and decode, one line flushed per line (-l): the test stops it once the last
        // frame it sent (the GO_AWAY) is decoded, instead of hoping a capture file was flushed.
        Process tshark = new ProcessBuilder("tshark", "-l", "-n", "-X", "lua_script:" + DISSECTOR, "-i", "lo",
                "-f", "tcp port " + port, "-Y", "cmux", "-O", "cmux").start();
        CompletableFuture<Void> capturing = new CompletableFuture<>();
        CompletableFuture<Void> sawGoAway = new CompletableFuture<>();
        StringBuilder said = new StringBuilder();
        StringBuilder decoded = new StringBuilder();
        Thread errors = lines(tshark.getErrorStream(), line -> {
            said.append(line).append('\n');
            if (line.startsWith("Capturing on")) {
                capturing.complete(null);
            }
        }, () -> capturing.completeExceptionally(new IllegalStateException("tshark exited: " + said)));
        CompletableFuture<Void> sawHello = new CompletableFuture<>();
        Thread output = lines(tshark.getInputStream(), line -> {
            synchronized (decoded) {
                decoded.append(line).append('\n');
            }
            if (line.startsWith("chainmux HELLO")) {
                sawHello.complete(null);
            }
            if (line.contains("Reason: done talking")) {
                sawGoAway.complete(null);
            }
        }, () -> sawGoAway.completeExceptionally(new IllegalStateException("tshark exited")));
        try {
            try {
                capturing.get(WAIT, TimeUnit.SECONDS);
            } catch (Exception e) {
                Assumptions.abort("cannot capture on the loopback here (needs root or capture rights): " + said);
            }
            talk(port, sawHello);
            try {
                sawGoAway.get(WAIT, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("no GO_AWAY decoded within " + WAIT + " s; decoded:\n" + decoded + "\n" + said, e);
            }
        } finally {
            tshark.destroy();
            tshark.waitFor(WAIT, TimeUnit.SECONDS);
            output.join(TimeUnit.SECONDS.toMillis(WAIT));
            errors.join(TimeUnit.SECONDS.toMillis(WAIT));
        }
        String text;
        synchronized (decoded) {
            text = decoded.toString();
        }
        // One block per frame: "chainmux NAME: summary" and its indented fields.
        List<String> frames = new ArrayList<>();
        for (String block : text.split("\n(?=chainmux )")) {
            if (block.startsWith("chainmux ")) {
                frames.add(block);
            }
        }
        Set<String> types = new HashSet<>();
        for (String f : frames) {
            types.add(f.substring("chainmux ".length(), f.indexOf(f.startsWith("chainmux preamble") ? '\n' : ':')));
        }
        assertThat(types).as("frames decoded in%n%s", text).contains("preamble", "DATA", "OPEN", "ACCEPT", "RESET",
                "WINDOW_UPDATE", "PING", "GO_AWAY", "SETTINGS", "MAX_STREAMS", "HELLO", "AUTH");
        assertThat(frames).as("DATA frames show their stream id and the stream's network").anySatisfy(f -> assertThat(f)
                .startsWith("chainmux DATA").containsPattern("Stream id: [1-9]")
                .contains("Network (from the stream's OPEN): " + NETWORK));
        assertThat(frames).as("OPEN shows its network id").anySatisfy(f -> assertThat(f).startsWith("chainmux OPEN")
                .contains("Network id: " + NETWORK).containsPattern("Stream id: [1-9]").contains("Max message size: "));
        assertThat(frames).as("RESET shows its error code").anySatisfy(f -> assertThat(f).startsWith("chainmux RESET")
                .contains("Error code: REFUSED_UNKNOWN_NETWORK"));
        assertThat(frames).as("GO_AWAY").anySatisfy(f -> assertThat(f).startsWith("chainmux GO_AWAY")
                .contains("Reason: done talking", "Error code: NO_ERROR", "Last stream id: "));
        assertThat(text).contains("Magic: 0x434d5558", "Public key (Ed25519): ", "Nonce: ", "Stripe count: 1",
                "Setting: MAX_FRAME_SIZE", "Stream credit: ", "Window increment: ", "Signature: ", "Opaque data: ",
                "END_MESSAGE", "FIN");
    }

    /** Reads lines on a daemon thread until the stream ends, then calls {@code ended}. */
    private static Thread lines(java.io.InputStream in, java.util.function.Consumer<String> each, Runnable ended) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    each.accept(line);
                }
            } catch (Exception e) {
                // the process is gone; `ended` says so
            }
            ended.run();
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * One connection that uses every frame type: handshake, streams, a refusal, credit, PING, GO_AWAY.
     * First, short probe connections until tshark decoded one: "Capturing on" is printed a moment
     * before packets are really captured, and a connection whose start is missed is not recognised.
     */
    private static void talk(int port, CompletableFuture<Void> sawHello) throws Exception {
        CountDownLatch received = new CountDownLatch(100);
        EndpointListener serving = new EndpointListener() {
            @Override
            public void onStreamOpened(PeerConnection peer, MuxStream stream) {
                if (stream.networkId().equals(REFUSED_NETWORK)) {
                    stream.refuse(ErrorCode.REFUSED_UNKNOWN_NETWORK, null);
                    return;
                }
                stream.accept(new StreamListener() {
                    @Override
                    public void onMessage(MuxStream s, ByteBuf message) {
                        int length = message.readableBytes();
                        message.release();
                        s.consumed(length); // a quarter of the window consumed: WINDOW_UPDATE
                        received.countDown();
                    }

                    @Override
                    public void onRemoteClosed(MuxStream s) {
                        s.close(); // FIN back, so the GO_AWAY below has no stream to wait for
                    }

                    @Override
                    public void onClosed(MuxStream s, CloseReason reason) {}
                }, 1 << 20);
            }
        };
        // Credit for two streams: the refusals return it with MAX_STREAMS.
        EndpointConfig a = EndpointConfig.builder(NodeIdentity.generate()).listen("127.0.0.1:" + port).ioThreads(1)
                .mux(MuxConfig.builder().maxInboundStreams(2).build()).shutdownGrace(Duration.ofMillis(500)).build();
        EndpointConfig b = EndpointConfig.builder(NodeIdentity.generate()).ioThreads(1)
                .advertisedAddress("127.0.0.1:1").shutdownGrace(Duration.ofMillis(500)).build();
        try (Endpoint listener = Endpoint.start(a, serving); Endpoint dialer = Endpoint.start(b, new EndpointListener() {})) {
            for (int probe = 0; probe < WAIT && !sawHello.isDone(); probe++) {
                PeerConnection p = dialer.connect(PeerAddress.parse("127.0.0.1:" + port)).get(WAIT, TimeUnit.SECONDS);
                CompletableFuture<CloseReason> closed = p.stripedConnections().get(0).closeFuture();
                p.close("probe");
                closed.get(WAIT, TimeUnit.SECONDS);
                try {
                    sawHello.get(1, TimeUnit.SECONDS); // at most 1 s per probe
                } catch (java.util.concurrent.TimeoutException notYet) {
                    // capture not running yet: probe again
                }
            }
            assertThat(sawHello).as("tshark decoded a probe connection within %d s", WAIT).isDone();
            PeerConnection pc = dialer.connect(PeerAddress.parse("127.0.0.1:" + port)).get(WAIT, TimeUnit.SECONDS);
            java.util.concurrent.Semaphore writable = new java.util.concurrent.Semaphore(0);
            StreamListener quiet = new StreamListener() {
                @Override
                public void onMessage(MuxStream s, ByteBuf message) {
                    message.release();
                }

                @Override
                public void onWritable(MuxStream s) {
                    writable.release();
                }

                @Override
                public void onClosed(MuxStream s, CloseReason reason) {}
            };
            for (int i = 0; i < 2; i++) {
                CompletableFuture<CloseReason> refused = new CompletableFuture<>();
                pc.openStream(REFUSED_NETWORK, 1 << 20, 1, new StreamListener() {
                    @Override
                    public void onMessage(MuxStream s, ByteBuf message) {
                        message.release();
                    }

                    @Override
                    public void onClosed(MuxStream s, CloseReason reason) {
                        refused.complete(reason);
                    }
                });
                assertThat(refused.get(WAIT, TimeUnit.SECONDS).code()).isEqualTo(ErrorCode.REFUSED_UNKNOWN_NETWORK);
            }
            MuxStream s = pc.openStream(NETWORK, 1 << 20, 1, quiet);
            byte[] kib = new byte[1024];
            for (int i = 0; i < 100; i++) {
                ByteBuf m = Unpooled.wrappedBuffer(kib);
                // a stream takes its window plus 32 KiB; the rest waits for the listener's credit
                for (int attempt = 0; !s.trySend(m); attempt++) {
                    assertThat(attempt < 100 && writable.tryAcquire(WAIT, TimeUnit.SECONDS))
                            .as("writable again for message %d", i).isTrue();
                }
            }
            assertThat(received.await(WAIT, TimeUnit.SECONDS)).as("the listener got every message").isTrue();
            pc.ping().get(WAIT, TimeUnit.SECONDS);
            s.close();
            pc.close("done talking");
            pc.stripedConnections().forEach(m -> m.closeFuture().join());
        }
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
