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
import org.junit.jupiter.api.io.TempDir;

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
    void everyFrameTypeIsDecodedWithItsFields(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(onPath("tshark") && onPath("dumpcap"), "tshark is not installed (Debian package tshark;"
                + " .ci/run installs it): the Wireshark dissector test is skipped");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path capture = dir.resolve("chainmux.pcapng");
        Process dumpcap = new ProcessBuilder("dumpcap", "-q", "-i", "lo", "-f", "tcp port " + port, "-w",
                capture.toString()).redirectErrorStream(true).start();
        CompletableFuture<Void> capturing = new CompletableFuture<>();
        StringBuilder said = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(dumpcap.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    said.append(line).append('\n');
                    if (line.startsWith("Capturing on")) {
                        capturing.complete(null);
                    }
                }
            } catch (Exception e) {
                capturing.completeExceptionally(e);
            }
            capturing.completeExceptionally(new IllegalStateException("dumpcap exited: " + said));
        });
        reader.start();
        try {
            capturing.get(WAIT, TimeUnit.SECONDS);
        } catch (Exception e) {
            dumpcap.destroyForcibly();
            Assumptions.abort("cannot capture on the loopback here (needs root or capture rights): " + said);
        }
        try {
            talk(port);
        } finally {
            dumpcap.destroy(); // SIGTERM: dumpcap finishes the file
            assertThat(dumpcap.waitFor(WAIT, TimeUnit.SECONDS)).isTrue();
        }

        List<String[]> frames = new ArrayList<>();
        for (String line : tshark(capture, "-Y", "cmux", "-T", "fields", "-E", "separator=|", "-E", "occurrence=a",
                "-E", "aggregator=;", "-e", "cmux.type", "-e", "cmux.stream_id", "-e", "cmux.network_id",
                "-e", "cmux.network", "-e", "cmux.error_code", "-e", "cmux.goaway.reason", "-e", "cmux.preamble.magic",
                "-e", "cmux.hello.public_key", "-e", "cmux.setting.id", "-e", "cmux.window_increment",
                "-e", "cmux.stream_credit", "-e", "cmux.auth.signature", "-e", "cmux.ping.opaque")) {
            frames.add(line.split("\\|", -1));
        }
        Set<String> types = new HashSet<>();
        boolean preamble = false;
        boolean dataWithNetwork = false;
        boolean openWithNetwork = false;
        boolean refusal = false;
        boolean goAway = false;
        for (String[] f : frames) {
            for (String t : f[0].split(";")) {
                types.add(t);
            }
            preamble |= f[6].contains("0x434d5558");
            openWithNetwork |= f[2].contains(NETWORK);
            dataWithNetwork |= f[0].contains("0x00") && f[3].contains(NETWORK) && !f[1].isEmpty() && !f[1].startsWith("0");
            refusal |= f[4].contains("0x00000009"); // REFUSED_UNKNOWN_NETWORK
            goAway |= f[5].contains("done talking");
        }
        assertThat(types).as("frame types decoded (cmux.type)").contains("0x00", "0x01", "0x02", "0x03", "0x04", "0x05",
                "0x06", "0x07", "0x08", "0x09", "0x0a");
        assertThat(preamble).as("the preamble").isTrue();
        assertThat(openWithNetwork).as("OPEN shows its network id").isTrue();
        assertThat(dataWithNetwork).as("DATA shows its stream id and the stream's network").isTrue();
        assertThat(refusal).as("RESET shows its error code").isTrue();
        assertThat(goAway).as("GO_AWAY shows its reason").isTrue();
        String verbose = String.join("\n", tshark(capture, "-Y", "cmux", "-O", "cmux"));
        assertThat(verbose).contains("Network id: " + NETWORK, "Public key (Ed25519)", "Setting: MAX_FRAME_SIZE",
                "Error code: REFUSED_UNKNOWN_NETWORK", "Stream credit: ", "Window increment: ", "Signature: ");
    }

    /** One connection that uses every frame type: handshake, streams, a refusal, credit, PING, GO_AWAY. */
    private static void talk(int port) throws Exception {
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
            PeerConnection pc = dialer.connect(PeerAddress.parse("127.0.0.1:" + port)).get(WAIT, TimeUnit.SECONDS);
            StreamListener quiet = new StreamListener() {
                @Override
                public void onMessage(MuxStream s, ByteBuf message) {
                    message.release();
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
                assertThat(s.trySend(Unpooled.wrappedBuffer(kib))).isTrue();
            }
            assertThat(received.await(WAIT, TimeUnit.SECONDS)).as("the listener got every message").isTrue();
            pc.ping().get(WAIT, TimeUnit.SECONDS);
            s.close();
            pc.close("done talking");
            pc.stripes().forEach(m -> m.closeFuture().join());
        }
    }

    private static List<String> tshark(Path capture, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-n", "-X", "lua_script:" + DISSECTOR, "-r", capture.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(p.waitFor(WAIT, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("tshark %s", cmd).isZero();
        return lines;
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
