package io.chainmux.endpoint;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chainmux.endpoint.identity.Auth;
import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.endpoint.identity.Hello;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.endpoint.identity.Role;
import io.chainmux.wire.FrameListener;
import io.chainmux.wire.FrameReader;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.Preamble;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the listener's handshake (Jazzer): {@link HandshakeHandler} on an
 * EmbeddedChannel gets, as the script says, a real preamble and HELLO (stripe fields and address
 * fuzzed), a real AUTH, and then arbitrary bytes in arbitrary reads; the endpoint's admission may
 * refuse. Invariants: no exception escapes the pipeline; the handshake ends exactly once, completed
 * or failed, by its deadline at the latest; a failed handshake leaves the connection closed (never
 * held); a completed one passes every byte after the AUTH on untouched; no buffer leaks.
 */
class HandshakeFuzzTest {
    private static final NodeIdentity LISTENER = NodeIdentity.generate();
    private static final NodeIdentity DIALER = NodeIdentity.generate();
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static final class Outcome implements HandshakeHandler.Outcome {
        final boolean refuse;
        int completed;
        int failed;

        Outcome(boolean refuse) {
            this.refuse = refuse;
        }

        @Override
        public HandshakeException admit(HandshakeHandler handshake, Hello peerHello) {
            return refuse ? HandshakeException.of(HandshakeException.Reason.LIMIT, "refused by the fuzz script") : null;
        }

        @Override
        public HandshakeException confirm(HandshakeHandler handshake) {
            return null;
        }

        @Override
        public void completed(HandshakeHandler handshake, ChannelHandlerContext ctx, PeerId peer, Hello peerHello) {
            completed++;
            assertThat(peer).isEqualTo(DIALER.peerId());
            ctx.pipeline().remove(handshake); // what follows belongs to the mux: here, the channel's inbound queue
        }

        @Override
        public void failed(HandshakeHandler handshake, ChannelHandlerContext ctx, HandshakeException failure) {
            failed++;
        }
    }

    @FuzzTest(maxDuration = "30s")
    void everyHandshakeEndsOnceAndNeverHoldsAFailedConnection(FuzzedDataProvider data) {
        Outcome outcome = new Outcome(data.consumeBoolean());
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        try {
            ch.pipeline().addLast("handshake", new HandshakeHandler(LISTENER, Role.LISTENER, 0, 0, "", null, false,
                    TIMEOUT_NANOS, outcome));
            Hello listenerHello = listenerHello(ch);
            byte[] afterAuth = null;
            if (data.consumeBoolean()) {
                // Stripe fields out of range, and other malformed HELLOs, come from the raw bytes below.
                int count = data.consumeInt(1, 9);
                int index = data.consumeInt(0, count - 1);
                String address = data.consumeBoolean() ? data.consumeAsciiString(40) : "127.0.0.1:4000";
                Hello dialerHello;
                try {
                    dialerHello = Hello.create(DIALER, index, count, address);
                } catch (IllegalArgumentException unusable) {
                    dialerHello = Hello.create(DIALER, index, count, "");
                }
                ByteBuf b = Unpooled.buffer();
                Preamble.CURRENT.encode(b);
                dialerHello.writeFrame(b);
                if (data.consumeBoolean()) {
                    Auth.sign(DIALER, Role.DIALER, dialerHello, listenerHello).writeFrame(b);
                    afterAuth = new byte[0];
                }
                feed(ch, data, ByteBufUtil.getBytes(b));
                b.release();
            }
            while (data.remainingBytes() > 0 && ch.isOpen()) {
                byte[] chunk = data.consumeBytes(data.consumeInt(1, 2048));
                if (outcome.completed == 1 && afterAuth != null) {
                    afterAuth = concat(afterAuth, chunk);
                }
                ch.writeInbound(Unpooled.wrappedBuffer(chunk));
                ch.checkException();
                assertThat(outcome.completed + outcome.failed).as("ends at most once").isLessThanOrEqualTo(1);
            }
            ch.advanceTimeBy(TIMEOUT_NANOS + 1, TimeUnit.NANOSECONDS);
            ch.runScheduledPendingTasks();
            ch.runPendingTasks();
            ch.checkException();
            assertThat(outcome.completed + outcome.failed).as("ended exactly once by the deadline").isEqualTo(1);
            if (outcome.failed == 1) {
                assertThat(ch.isOpen()).as("a failed handshake closes its connection").isFalse();
            } else if (afterAuth != null) {
                ByteBuf passed = Unpooled.buffer();
                ByteBuf m;
                while ((m = ch.readInbound()) != null) {
                    passed.writeBytes(m);
                    m.release();
                }
                assertThat(ByteBufUtil.getBytes(passed)).as("bytes after the AUTH pass on untouched").isEqualTo(afterAuth);
                passed.release();
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    /** Feeds {@code bytes} in reads whose sizes the script picks. */
    private static void feed(EmbeddedChannel ch, FuzzedDataProvider data, byte[] bytes) {
        int at = 0;
        while (at < bytes.length && ch.isOpen()) {
            int n = Math.min(bytes.length - at, data.consumeInt(1, bytes.length));
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, at, n));
            ch.checkException();
            at += n;
        }
    }

    /** The preamble and HELLO the listener wrote on start. */
    private static Hello listenerHello(EmbeddedChannel ch) {
        ByteBuf out = Unpooled.buffer();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.writeBytes(b);
            b.release();
        }
        try {
            out.skipBytes(Preamble.LENGTH);
            Hello[] hello = new Hello[1];
            FrameReader.readFrame(out, 1024, new FrameListener() {
                @Override public void onHandshake(FrameType type, ByteBuf payload) { hello[0] = Hello.decode(payload); }
                @Override public void onData(int streamId, int flags, ByteBuf payload) { }
                @Override public void onOpen(int streamId, int maxMessageSize, String networkId) { }
                @Override public void onAccept(int streamId, int maxMessageSize) { }
                @Override public void onReset(int streamId, io.chainmux.wire.ErrorCode code, ByteBuf detail) { }
                @Override public void onWindowUpdate(int streamId, int increment) { }
                @Override public void onPing(boolean ack, long opaque) { }
                @Override public void onGoAway(int lastStreamId, io.chainmux.wire.ErrorCode code, String reason) { }
                @Override public void onSettings(io.chainmux.wire.Settings settings) { }
                @Override public void onMaxStreams(int maxStreams) { }
            });
            assertThat(hello[0]).as("the listener's HELLO").isNotNull();
            return hello[0];
        } finally {
            out.release();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
