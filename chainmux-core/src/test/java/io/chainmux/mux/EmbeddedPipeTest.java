package io.chainmux.mux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two connections wired back to back through EmbeddedChannels: the whole protocol, single-threaded and
 * deterministic, with the flow-control books of both sides compared whenever the wire is quiet.
 */
class EmbeddedPipeTest {

    static final class Pipe implements AutoCloseable {
        final EmbeddedChannel a = new EmbeddedChannel();
        final EmbeddedChannel b = new EmbeddedChannel();
        final MuxConnection client;
        final MuxConnection server;

        Pipe(MuxConfig config, ConnectionListener serverListener) {
            client = new MuxConnection(config, true, s -> {});
            server = new MuxConnection(config, false, serverListener);
            a.pipeline().addLast(client.handler());
            b.pipeline().addLast(server.handler());
            pump(1000);
        }

        /** Moves bytes both ways until nothing moves; returns the number of rounds. */
        int pump(int maxRounds) {
            for (int round = 0; round < maxRounds; round++) {
                a.runPendingTasks();
                b.runPendingTasks();
                boolean moved = move(a, b) | move(b, a);
                if (!moved) {
                    return round;
                }
            }
            throw new AssertionError("still moving after " + maxRounds + " rounds");
        }

        private static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
            boolean moved = false;
            ByteBuf m;
            while ((m = from.readOutbound()) != null) {
                to.writeInbound(m);
                moved = true;
            }
            return moved;
        }

        @Override
        public void close() {
            a.finishAndReleaseAll();
            b.finishAndReleaseAll();
        }
    }

    @Test
    void echoWorkloadCompletesAndWindowsAgreeWhenQuiet() throws Exception {
        LoopbackMuxTest.EchoServer echo = new LoopbackMuxTest.EchoServer();
        int streams = 16;
        int messages = 100;
        List<String> failures = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(streams);
        try (Pipe pipe = new Pipe(MuxConfig.defaults(), echo)) {
            List<MuxStream> opened = new ArrayList<>();
            List<LoopbackMuxTest.Verifier> verifiers = new ArrayList<>();
            int[] next = new int[streams];
            for (int i = 0; i < streams; i++) {
                LoopbackMuxTest.Verifier v = new LoopbackMuxTest.Verifier(i, messages, done, failures);
                verifiers.add(v);
                opened.add(pipe.client.openStream("chain-" + i + "/test/1", 4 * 1024 * 1024, 1, v));
            }
            for (int step = 0; step < 100_000 && done.getCount() > 0; step++) {
                boolean progress = false;
                for (int i = 0; i < streams; i++) {
                    MuxStream s = opened.get(i);
                    while (next[i] < messages) {
                        ByteBuf m = TestMessages.buffer(i, next[i]);
                        if (!s.trySend(m)) {
                            m.release();
                            break;
                        }
                        next[i]++;
                        progress = true;
                    }
                    if (next[i] == messages) {
                        s.close();
                        next[i]++;
                    }
                }
                int rounds = pipe.pump(100_000);
                checkWindows(pipe);
                if (!progress && rounds == 0 && done.getCount() > 0) {
                    throw new AssertionError("stuck at step " + step + "\nCLIENT " + pipe.client.debugState()
                            + "\nSERVER " + pipe.server.debugState());
                }
            }
            assertThat(done.getCount()).isZero();
            assertThat(failures).isEmpty();
            assertThat(echo.failures).isEmpty();
        }
    }

    private static void checkWindows(Pipe pipe) {
        String c = pipe.client.debugState();
        String s = pipe.server.debugState();
        assertThat(sendWindows(c, "send=")).as("client send vs server recv\n" + c + "\n" + s)
                .isEqualTo(recvWindows(s));
        assertThat(sendWindows(s, "send=")).as("server send vs client recv\n" + c + "\n" + s)
                .isEqualTo(recvWindows(c));
    }

    private static java.util.Map<String, Long> sendWindows(String dump, String key) {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        for (String line : dump.split("\n")) {
            if (line.startsWith("conn")) {
                m.put("conn", Long.parseLong(line.split(" ")[1].substring(5)));
            } else if (line.contains("MuxStream{") && !line.contains("CLOSED")) {
                String id = line.substring(line.indexOf('{') + 1, line.indexOf(' ', line.indexOf('{')));
                String v = line.substring(line.indexOf(key) + key.length()).split(" ")[0];
                m.put(id, Long.parseLong(v));
            }
        }
        return m;
    }

    private static java.util.Map<String, Long> recvWindows(String dump) {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        for (String line : dump.split("\n")) {
            if (line.startsWith("conn")) {
                m.put("conn", Long.parseLong(line.split(" ")[2].substring(5)));
            } else if (line.contains("MuxStream{") && !line.contains("CLOSED")) {
                String id = line.substring(line.indexOf('{') + 1, line.indexOf(' ', line.indexOf('{')));
                String v = line.substring(line.indexOf("recv=") + 5).split("/")[0];
                m.put(id, Long.parseLong(v));
            }
        }
        return m;
    }
}
