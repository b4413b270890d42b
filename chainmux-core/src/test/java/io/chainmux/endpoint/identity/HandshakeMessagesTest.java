package io.chainmux.endpoint.identity;

import io.chainmux.endpoint.identity.HandshakeException.Reason;
import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameListener;
import io.chainmux.wire.FrameReader;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.MuxException;
import io.chainmux.wire.Settings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HandshakeMessagesTest {
    private final NodeIdentity a = NodeIdentity.generate();
    private final NodeIdentity b = NodeIdentity.generate();

    private static byte[] bytes(Consumer<ByteBuf> writer) {
        ByteBuf buf = Unpooled.buffer();
        try {
            writer.accept(buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /** Runs {@code decoder} on a buffer holding exactly {@code payload}, releasing it afterwards. */
    private static <T> T decode(byte[] payload, Function<ByteBuf, T> decoder) {
        ByteBuf buf = Unpooled.wrappedBuffer(payload);
        try {
            T result = decoder.apply(buf);
            assertThat(buf.readableBytes()).isZero();
            return result;
        } finally {
            assertThat(buf.release()).isTrue();
        }
    }

    // ---- HELLO ----

    @ParameterizedTest
    @ValueSource(strings = {"", "127.0.0.1:4000", "node.example.org:1", "[::1]:65535", "h:080"})
    void helloRoundTrips(String address) {
        Hello hello = Hello.create(a, 2, 4, address);
        byte[] payload = bytes(hello::encode);
        assertThat(payload).hasSize(hello.encodedLength()).hasSize(67 + address.length());
        Hello decoded = decode(payload, Hello::decode);
        assertThat(decoded).isEqualTo(hello).hasSameHashCodeAs(hello);
        assertThat(decoded.peerId()).isEqualTo(a.peerId());
        assertThat(decoded.nonce()).isEqualTo(hello.nonce());
        assertThat(decoded.advertisedAddress()).isEqualTo(address);
    }

    @Test
    void helloLayoutMatchesTheBrief() {
        byte[] nonce = new byte[32];
        Arrays.fill(nonce, (byte) 0x11);
        Hello hello = new Hello(a.peerId(), nonce, 1, 3, "h:9");
        byte[] p = bytes(hello::encode);
        assertThat(Arrays.copyOfRange(p, 0, 32)).isEqualTo(a.peerId().toBytes());
        assertThat(Arrays.copyOfRange(p, 32, 64)).isEqualTo(nonce);
        assertThat(HexFormat.of().formatHex(Arrays.copyOfRange(p, 64, p.length))).isEqualTo("010303683a39");
    }

    @Test
    void helloAndAuthFramesPassTheFrameReader() {
        Hello hello = Hello.create(a, 0, 1, "10.0.0.1:4000");
        Auth auth = Auth.sign(a, Role.DIALER, hello, Hello.create(b, 0, 1, ""));
        ByteBuf wire = Unpooled.buffer();
        try {
            hello.writeFrame(wire);
            auth.writeFrame(wire);
            Object[] seen = new Object[2];
            FrameListener listener = new OnlyHandshake((type, payload) -> {
                if (type == FrameType.HELLO) {
                    seen[0] = Hello.decode(payload);
                } else {
                    seen[1] = Auth.decode(payload);
                }
            });
            assertThat(FrameReader.readFrame(wire, 16384, listener)).isTrue();
            assertThat(FrameReader.readFrame(wire, 16384, listener)).isTrue();
            assertThat(wire.readableBytes()).isZero();
            assertThat(seen).containsExactly(hello, auth);
        } finally {
            wire.release();
        }
    }

    @Test
    void helloDecodeRejectsShortAndLongPayloads() {
        byte[] good = bytes(Hello.create(a, 0, 1, "h:1")::encode);
        assertMalformed(Arrays.copyOf(good, 66), ErrorCode.FRAME_SIZE_ERROR, "at least 67");
        assertMalformed(new byte[0], ErrorCode.FRAME_SIZE_ERROR, "HELLO payload is 0 bytes");
        assertMalformed(Arrays.copyOf(good, good.length - 1), ErrorCode.FRAME_SIZE_ERROR, "address length 3");
        assertMalformed(Arrays.copyOf(good, good.length + 1), ErrorCode.FRAME_SIZE_ERROR, "address length 3");
        byte[] noAddress = bytes(Hello.create(a, 0, 1, "")::encode);
        assertMalformed(Arrays.copyOf(noAddress, 300), ErrorCode.FRAME_SIZE_ERROR, "300 bytes");
    }

    @Test
    void helloDecodeRejectsBadStripes() {
        byte[] p = bytes(Hello.create(a, 0, 1, "")::encode);
        p[64] = 3;
        p[65] = 3;
        assertMalformed(p, ErrorCode.HANDSHAKE_FAILED, "stripe index 3 not in [0, 2]");
        p[64] = 1;
        p[65] = 0;
        assertMalformed(p, ErrorCode.HANDSHAKE_FAILED, "stripe count 0");
        p[64] = 0;
        p[65] = 0; // the listener's HELLO carries no stripe: valid (docs/PROTOCOL.md section 5)
        assertThat(Hello.decode(io.netty.buffer.Unpooled.wrappedBuffer(p)).stripeCount()).isZero();
        p[64] = (byte) 255;
        p[65] = (byte) 255;
        assertMalformed(p, ErrorCode.HANDSHAKE_FAILED, "stripe index 255");
        p[64] = (byte) 255;
        p[65] = 0; // an unstriped connection (the unshared mode): valid
        assertThat(Hello.decode(io.netty.buffer.Unpooled.wrappedBuffer(p)).unstriped()).isTrue();
        p[64] = (byte) 254;
        assertMalformed(p, ErrorCode.HANDSHAKE_FAILED, "stripe count 0");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x09, 0x20, 0x7F, 0x80, 0xFF})
    void helloDecodeIgnoresNonPrintableAddressBytes(int bad) {
        byte[] p = bytes(Hello.create(a, 0, 1, "host:4000")::encode);
        p[67 + 2] = (byte) bad;
        assertThat(decode(p, Hello::decode).advertisedAddress()).as("an unusable address reads as none").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"host", "host:", ":80", "host:0", "host:65536", "host:99999", "host:123456", "host:8a",
            "host:-1", "::1:80", "[::1]", "[]:80", "[::1:80", "a[b]:80", "a@b:80", "bad_host:1", "[zz::1]:7"})
    void helloDecodeIgnoresAddressesThatAreNotHostPort(String address) {
        byte[] good = bytes(Hello.create(a, 0, 1, "")::encode);
        byte[] addr = address.getBytes(StandardCharsets.US_ASCII);
        byte[] p = Arrays.copyOf(good, good.length + addr.length);
        p[66] = (byte) addr.length;
        System.arraycopy(addr, 0, p, 67, addr.length);
        assertThat(decode(p, Hello::decode).advertisedAddress()).as("an unusable address reads as none").isEmpty();
        assertThatThrownBy(() -> Hello.create(a, 0, 1, address)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(address);
    }

    @Test
    void helloConstructorRejectsWhatTheWireCannotCarry() {
        PeerId id = a.peerId();
        assertThatThrownBy(() -> new Hello(id, new byte[31], 0, 1, "")).hasMessageContaining("32 bytes, got 31");
        assertThatThrownBy(() -> new Hello(id, new byte[32], 1, 1, "")).hasMessageContaining("stripe index 1");
        assertThatThrownBy(() -> new Hello(id, new byte[32], 0, 256, "")).hasMessageContaining("stripe count 256");
        assertThatThrownBy(() -> new Hello(id, new byte[32], -1, 1, "")).hasMessageContaining("stripe index -1");
        String longAddress = "h".repeat(250) + ":4000" + "0";
        assertThatThrownBy(() -> new Hello(id, new byte[32], 0, 1, longAddress)).hasMessageContaining("exceeds 255");
        assertThatThrownBy(() -> new Hello(id, new byte[32], 0, 1, "hé:80")).hasMessageContaining("0xe9 at 1");
        assertThatThrownBy(() -> new Hello(id, new byte[32], 0, 1, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void helloCopiesItsNonce() {
        byte[] nonce = new byte[32];
        Hello hello = new Hello(a.peerId(), nonce, 0, 1, "");
        nonce[0] = 1;
        hello.nonce()[1] = 1;
        assertThat(hello.nonce()).isEqualTo(new byte[32]);
        assertThat(hello.toString()).contains(a.peerId().toString(), "0/1");
        assertThat(Hello.create(a, 0, 1, "").nonce()).isNotEqualTo(Hello.create(a, 0, 1, "").nonce());
    }

    private static void assertMalformed(byte[] payload, ErrorCode code, String message) {
        ByteBuf buf = Unpooled.wrappedBuffer(payload);
        try {
            assertThatThrownBy(() -> Hello.decode(buf)).isInstanceOfSatisfying(MuxException.class, e -> {
                assertThat(e.code()).isEqualTo(code);
                assertThat(e.isConnectionError()).isTrue();
            }).hasMessageContaining(message);
        } finally {
            buf.release();
        }
    }

    // ---- AUTH ----

    @Test
    void authRoundTripsAndRejectsWrongSizes() {
        Auth auth = Auth.sign(a, Role.DIALER, Hello.create(a, 0, 1, ""), Hello.create(b, 0, 1, ""));
        byte[] payload = bytes(auth::encode);
        assertThat(payload).hasSize(64).isEqualTo(auth.signature());
        assertThat(decode(payload, Auth::decode)).isEqualTo(auth).hasSameHashCodeAs(auth);
        for (int size : new int[] {0, 1, 63, 65, 128}) {
            ByteBuf buf = Unpooled.wrappedBuffer(Arrays.copyOf(payload, size));
            try {
                assertThatThrownBy(() -> Auth.decode(buf)).isInstanceOfSatisfying(MuxException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.FRAME_SIZE_ERROR))
                        .hasMessageContaining("AUTH payload is " + size + " bytes, must be 64");
            } finally {
                buf.release();
            }
        }
        assertThatThrownBy(() -> new Auth(new byte[63])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void transcriptLayoutMatchesTheBrief() {
        byte[] n1 = new byte[32];
        byte[] n2 = new byte[32];
        Arrays.fill(n1, (byte) 0xA1);
        Arrays.fill(n2, (byte) 0xB2);
        byte[] t = Auth.transcript(Role.LISTENER, a.peerId(), b.peerId(), n1, n2, 7);
        assertThat(t).hasSize(146).hasSize(Auth.TRANSCRIPT_LENGTH);
        assertThat(new String(t, 0, 16, StandardCharsets.US_ASCII)).isEqualTo("chainmux-auth-v1");
        assertThat(t[16]).isEqualTo((byte) 2);
        assertThat(Arrays.copyOfRange(t, 17, 49)).isEqualTo(a.peerId().toBytes());
        assertThat(Arrays.copyOfRange(t, 49, 81)).isEqualTo(b.peerId().toBytes());
        assertThat(Arrays.copyOfRange(t, 81, 113)).isEqualTo(n1);
        assertThat(Arrays.copyOfRange(t, 113, 145)).isEqualTo(n2);
        assertThat(t[145]).isEqualTo((byte) 7);
    }

    @Test
    void transcriptUsesTheDialersStripeIndex() {
        Hello dialer = Hello.create(a, 3, 4, "");
        Hello listener = Hello.create(b, 0, 1, "");
        assertThat(Auth.transcript(Role.DIALER, dialer, listener)[145]).isEqualTo((byte) 3);
        assertThat(Auth.transcript(Role.LISTENER, listener, dialer)[145]).isEqualTo((byte) 3);
    }

    @Test
    void signatureOverTheTranscriptVerifies() {
        Hello ha = Hello.create(a, 1, 2, "");
        Hello hb = Hello.create(b, 0, 1, "");
        Auth auth = Auth.sign(a, Role.DIALER, ha, hb);
        assertThat(auth.verify(Role.DIALER, ha, hb)).isTrue();
        assertThat(NodeIdentity.verify(a.peerId(), Auth.transcript(Role.DIALER, ha, hb), auth.signature())).isTrue();
        // Same signer and HELLOs, other role: this is what reflection would need, and it fails.
        assertThat(auth.verify(Role.LISTENER, ha, hb)).isFalse();
        assertThat(auth.verify(Role.DIALER, ha, Hello.create(b, 0, 1, ""))).isFalse(); // other verifier nonce
        assertThatThrownBy(() -> Auth.sign(b, Role.DIALER, ha, hb)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be signed by");
    }

    // ---- HandshakeVerifier ----

    /** Runs a whole handshake between a dialer and a listener verifier, both in memory. */
    @Test
    void fullHandshakeAuthenticatesBothSides() {
        Hello ha = Hello.create(a, 1, 2, "127.0.0.1:4000");
        Hello hb = Hello.create(b, 0, 1, "127.0.0.1:5000");
        HandshakeVerifier dialer = new HandshakeVerifier(a, Role.DIALER, ha, b.peerId(), null);
        HandshakeVerifier listener = new HandshakeVerifier(b, Role.LISTENER, hb, null, null);
        Auth authA = dialer.onPeerHello(decode(bytes(hb::encode), Hello::decode));
        Auth authB = listener.onPeerHello(ha);
        assertThat(dialer.isComplete()).isFalse();
        assertThat(listener.onPeerAuth(authA)).isEqualTo(a.peerId());
        assertThat(dialer.onPeerAuth(authB)).isEqualTo(b.peerId());
        assertThat(dialer.isComplete()).isTrue();
        assertThat(listener.isComplete()).isTrue();
        assertThat(listener.peerHello().advertisedAddress()).isEqualTo("127.0.0.1:4000");
        assertThat(listener.peerHello().stripeIndex()).isEqualTo(1);
    }

    @Test
    void fullHandshakeThroughByteBufPayloadsInTlsMode() {
        Hello ha = Hello.create(a, 0, 1, "");
        Hello hb = Hello.create(b, 0, 1, "");
        HandshakeVerifier dialer = new HandshakeVerifier(a, Role.DIALER, ha, null, b.peerId());
        HandshakeVerifier listener = new HandshakeVerifier(b, Role.LISTENER, hb, null, a.peerId());
        Auth authA = decode(bytes(hb::encode), (ByteBuf p) -> dialer.onPeerHello(p));
        Auth authB = decode(bytes(ha::encode), (ByteBuf p) -> listener.onPeerHello(p));
        assertThat(decode(bytes(authA::encode), (ByteBuf p) -> listener.onPeerAuth(p))).isEqualTo(a.peerId());
        assertThat(decode(bytes(authB::encode), (ByteBuf p) -> dialer.onPeerAuth(p))).isEqualTo(b.peerId());
    }

    @Test
    void reflectedAuthFails() {
        Hello ha = Hello.create(a, 0, 1, "");
        Hello hb = Hello.create(b, 0, 1, "");
        HandshakeVerifier dialer = new HandshakeVerifier(a, Role.DIALER, ha, null, null);
        Auth authA = dialer.onPeerHello(hb);
        assertHandshakeFails(() -> dialer.onPeerAuth(authA), Reason.BAD_SIGNATURE, b.peerId().toString());
        assertThat(dialer.isComplete()).isFalse();
    }

    @Test
    void authWithTheSignersRoleSwappedFails() {
        // B really signs, with the right keys and nonces, but claims to be the dialer while A dialed.
        Hello ha = Hello.create(a, 0, 1, "");
        Hello hb = Hello.create(b, 0, 1, "");
        HandshakeVerifier dialer = new HandshakeVerifier(a, Role.DIALER, ha, null, null);
        dialer.onPeerHello(hb);
        Auth wrongRole = Auth.sign(b, Role.DIALER, hb, ha);
        assertHandshakeFails(() -> dialer.onPeerAuth(wrongRole), Reason.BAD_SIGNATURE, "does not verify");
    }

    @Test
    void tamperedNonceFails() {
        Hello ha = Hello.create(a, 0, 1, "");
        Hello hb = Hello.create(b, 0, 1, "");
        byte[] nonce = hb.nonce();
        nonce[5] ^= 1;
        Hello tampered = new Hello(b.peerId(), nonce, 0, 1, ""); // what a man-in-the-middle delivers to A
        HandshakeVerifier dialer = new HandshakeVerifier(a, Role.DIALER, ha, null, null);
        HandshakeVerifier listener = new HandshakeVerifier(b, Role.LISTENER, hb, null, null);
        dialer.onPeerHello(tampered);
        Auth authB = listener.onPeerHello(ha);
        assertHandshakeFails(() -> dialer.onPeerAuth(authB), Reason.BAD_SIGNATURE, "does not verify");
    }

    @Test
    void tamperedDialerStripeIndexFails() {
        Hello ha = Hello.create(a, 1, 4, "");
        Hello hb = Hello.create(b, 0, 1, "");
        HandshakeVerifier dialer = new HandshakeVerifier(a, Role.DIALER, ha, null, null);
        HandshakeVerifier listener = new HandshakeVerifier(b, Role.LISTENER, hb, null, null);
        Auth authA = dialer.onPeerHello(hb);
        listener.onPeerHello(new Hello(a.peerId(), ha.nonce(), 2, 4, "")); // relabelled stripe
        assertHandshakeFails(() -> listener.onPeerAuth(authA), Reason.BAD_SIGNATURE, a.peerId().toString());
    }

    @Test
    void selfDialIsDetected() {
        Hello mine = Hello.create(a, 0, 1, "");
        HandshakeVerifier v = new HandshakeVerifier(a, Role.DIALER, mine, null, null);
        assertHandshakeFails(() -> v.onPeerHello(Hello.create(a, 0, 1, "")), Reason.SELF_DIAL, "dialed yourself");
    }

    @Test
    void unexpectedPeerIsDetectedAndNamesBothIds() {
        NodeIdentity c = NodeIdentity.generate();
        HandshakeVerifier v = new HandshakeVerifier(a, Role.DIALER, Hello.create(a, 0, 1, ""), c.peerId(), null);
        assertHandshakeFails(() -> v.onPeerHello(Hello.create(b, 0, 1, "")), Reason.UNEXPECTED_PEER,
                "expected peer " + c.peerId() + " but the peer is " + b.peerId());
    }

    @Test
    void tlsKeyMismatchIsDetected() {
        NodeIdentity relay = NodeIdentity.generate();
        HandshakeVerifier v = new HandshakeVerifier(a, Role.DIALER, Hello.create(a, 0, 1, ""), null,
                relay.peerId());
        assertHandshakeFails(() -> v.onPeerHello(Hello.create(b, 0, 1, "")), Reason.TLS_KEY_MISMATCH,
                "HELLO key " + b.peerId() + " differs from the TLS certificate key " + relay.peerId());
    }

    @Test
    void framesOutOfOrderAreMalformed() {
        Hello hb = Hello.create(b, 0, 1, "");
        HandshakeVerifier v = new HandshakeVerifier(a, Role.DIALER, Hello.create(a, 0, 1, ""), null, null);
        Auth any = new Auth(new byte[64]);
        assertHandshakeFails(() -> v.onPeerAuth(any), Reason.MALFORMED, "no HELLO received yet");

        HandshakeVerifier v2 = new HandshakeVerifier(a, Role.DIALER, Hello.create(a, 0, 1, ""), null, null);
        v2.onPeerHello(hb);
        assertHandshakeFails(() -> v2.onPeerHello(hb), Reason.MALFORMED, "unexpected HELLO");
        assertHandshakeFails(() -> v2.onPeerAuth(any), Reason.MALFORMED, "FAILED");
    }

    @Test
    void undecodablePayloadsAreMalformedWithTheDecodersCode() {
        HandshakeVerifier v = new HandshakeVerifier(a, Role.DIALER, Hello.create(a, 0, 1, ""), null, null);
        HandshakeException e = decodeFailure(new byte[10], (ByteBuf p) -> v.onPeerHello(p));
        assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
        assertThat(e.errorCode()).isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
        assertThat(e.getCause()).isInstanceOf(MuxException.class);
        assertThat(e.getMessage()).contains("at least 67");
    }

    @Test
    void constructorRejectsAHelloOfAnotherNode() {
        assertThatThrownBy(() -> new HandshakeVerifier(a, Role.DIALER, Hello.create(b, 0, 1, ""), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not this node's");
    }

    @Test
    void reasonsMapToGoAwayCodes() {
        assertThat(HandshakeException.of(Reason.SELF_DIAL, "x").errorCode()).isEqualTo(ErrorCode.HANDSHAKE_FAILED);
        assertThat(HandshakeException.of(Reason.VERSION_MISMATCH, "x").errorCode())
                .isEqualTo(ErrorCode.UNSUPPORTED_VERSION);
        assertThat(HandshakeException.of(Reason.MALFORMED, "x").errorCode()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        assertThat(HandshakeException.of(Reason.TIMEOUT, "after %d s", 10).toMuxException())
                .satisfies(m -> assertThat(m.code()).isEqualTo(ErrorCode.HANDSHAKE_FAILED))
                .hasMessageContaining("TIMEOUT: after 10 s");
    }

    private static HandshakeException decodeFailure(byte[] payload, Function<ByteBuf, ?> step) {
        ByteBuf buf = Unpooled.wrappedBuffer(payload);
        try {
            step.apply(buf);
            throw new AssertionError("expected a HandshakeException");
        } catch (HandshakeException e) {
            return e;
        } finally {
            buf.release();
        }
    }

    private static void assertHandshakeFails(Runnable step, Reason reason, String message) {
        assertThatThrownBy(step::run).isInstanceOfSatisfying(HandshakeException.class,
                e -> assertThat(e.reason()).isEqualTo(reason)).hasMessageContaining(message);
    }

    /** A listener that accepts only HELLO/AUTH frames. */
    private record OnlyHandshake(BiConsumer<FrameType, ByteBuf> handshake) implements FrameListener {
        private static AssertionError unexpected() {
            return new AssertionError("unexpected frame");
        }

        @Override public void onData(int streamId, int flags, ByteBuf payload) { throw unexpected(); }
        @Override public void onOpen(int streamId, int maxMessageSize, String networkId) { throw unexpected(); }
        @Override public void onAccept(int streamId, int maxMessageSize) { throw unexpected(); }
        @Override public void onReset(int streamId, ErrorCode code, ByteBuf detail) { throw unexpected(); }
        @Override public void onWindowUpdate(int streamId, int increment) { throw unexpected(); }
        @Override public void onPing(boolean ack, long opaque) { throw unexpected(); }
        @Override public void onGoAway(int lastStreamId, ErrorCode code, String reason) { throw unexpected(); }
        @Override public void onSettings(Settings settings) { throw unexpected(); }
        @Override public void onMaxStreams(int maxStreams) { throw unexpected(); }
        @Override public void onHandshake(FrameType type, ByteBuf payload) { handshake.accept(type, payload); }
    }
}
