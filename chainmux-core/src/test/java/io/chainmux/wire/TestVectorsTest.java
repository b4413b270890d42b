package io.chainmux.wire;

import com.fasterxml.jackson.databind.JsonNode;
import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.endpoint.identity.HandshakeVerifier;
import io.chainmux.endpoint.identity.Hello;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.Role;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Checks docs/test-vectors/frames-v1.json in both directions: {@link FrameWriter} produces exactly
 * each case's bytes, {@link FrameReader} decodes them to exactly its fields, and each invalid case
 * raises the expected error. The committed file must equal what {@link TestVectorsGenerator}
 * produces from the current encoder.
 */
class TestVectorsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static JsonNode root;

    @BeforeAll
    static void load() throws Exception {
        if (Boolean.getBoolean("wire.vectors.regenerate")) {
            TestVectorsGenerator.write(TestVectorsGenerator.FILE);
        }
        assertThat(TestVectorsGenerator.FILE).as("run from the chainmux-core directory").exists();
        root = TestVectorsGenerator.JSON.readTree(TestVectorsGenerator.FILE.toFile());
    }

    @Test
    void committedFileMatchesTheEncoder() throws Exception {
        JsonNode generated = TestVectorsGenerator.JSON.readTree(
                TestVectorsGenerator.render(TestVectorsGenerator.generate()));
        for (String section : List.of("cases", "invalid", "preamble", "invalid_preamble")) {
            for (int i = 0; i < Math.max(generated.get(section).size(), root.get(section).size()); i++) {
                assertThat(root.get(section).get(i)).as("%s[%d]; regenerate with -Dwire.vectors.regenerate=true",
                        section, i).isEqualTo(generated.get(section).get(i));
            }
        }
        assertThat(root).as("regenerate with -Dwire.vectors.regenerate=true").isEqualTo(generated);
        String text = Files.readString(TestVectorsGenerator.FILE);
        assertThat(text).as("committed formatting").isEqualTo(
                TestVectorsGenerator.render(TestVectorsGenerator.generate()));
    }

    @TestFactory
    Stream<DynamicTest> validCases() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> checkCase(c)));
        }
        return tests.stream();
    }

    private static void checkCase(JsonNode c) {
        JsonNode f = c.get("frame");
        byte[] bytes = HEX.parseHex(c.get("hex").asText());
        int maxFrameSize = c.path("max_frame_size").asInt(TestVectorsGenerator.MAX);
        Frames.Frame expected = fromJson(f);

        // The header fields as stated in the JSON.
        assertThat(bytes.length).isGreaterThanOrEqualTo(WireFormat.HEADER_LENGTH);
        assertThat(((bytes[0] & 0xFF) << 16) | ((bytes[1] & 0xFF) << 8) | (bytes[2] & 0xFF))
                .as("length").isEqualTo(bytes.length - WireFormat.HEADER_LENGTH);
        assertThat(bytes[3] & 0xFF).as("type").isEqualTo(FrameType.valueOf(f.get("type").asText()).code);
        assertThat(bytes[4] & 0xFF).as("flags").isEqualTo(f.get("flags").asInt());
        assertThat(((bytes[5] & 0xFF) << 24) | ((bytes[6] & 0xFF) << 16) | ((bytes[7] & 0xFF) << 8) | (bytes[8] & 0xFF))
                .as("stream id").isEqualTo(f.get("stream_id").asInt());

        // Decoder direction.
        assertThat(Frames.decode(bytes, maxFrameSize)).isEqualTo(expected);

        // Encoder direction (decode_only bytes are ones a conforming encoder does not produce).
        if (!c.path("decode_only").asBoolean(false)) {
            assertThat(Frames.hex(Frames.encode(expected))).isEqualTo(c.get("hex").asText());
        }

        // Derived fields agree with the raw ones.
        if (f.has("error_code")) {
            ErrorCode code = ErrorCode.valueOf(f.get("error_code").asText());
            assertThat(ErrorCode.fromWire(f.get("error_code_value").asInt())).isEqualTo(code);
        }
        if (expected instanceof Frames.Data) {
            int flags = f.get("flags").asInt();
            assertThat(f.get("end_message").asBoolean()).isEqualTo((flags & WireFormat.FLAG_END_MESSAGE) != 0);
            assertThat(f.get("fin").asBoolean()).isEqualTo((flags & WireFormat.FLAG_FIN) != 0);
        }
        if (expected instanceof Frames.SettingsFrame) {
            StringBuilder entries = new StringBuilder();
            for (JsonNode e : f.get("entries")) {
                entries.append(String.format("%04x%08x", e.get("id").asInt(), e.get("value").asLong()));
                SettingId id = SettingId.fromId(e.get("id").asInt());
                assertThat(e.has("name")).isEqualTo(id != null);
                if (id != null) {
                    assertThat(e.get("name").asText()).isEqualTo(id.name());
                }
            }
            assertThat(c.get("hex").asText().substring(2 * WireFormat.HEADER_LENGTH)).isEqualTo(entries.toString());
        }
    }

    /** Builds the expected frame from the JSON fields alone. */
    static Frames.Frame fromJson(JsonNode f) {
        FrameType type = FrameType.valueOf(f.get("type").asText());
        int streamId = f.get("stream_id").asInt();
        return switch (type) {
            case DATA -> new Frames.Data(streamId, f.get("flags").asInt(), f.get("payload").asText());
            case OPEN -> new Frames.Open(streamId, f.get("max_message_size").asInt(), f.get("network_id").asText());
            case ACCEPT -> new Frames.Accept(streamId, f.get("max_message_size").asInt());
            case RESET -> new Frames.Reset(streamId, ErrorCode.valueOf(f.get("error_code").asText()),
                    f.get("detail").asText());
            case WINDOW_UPDATE -> new Frames.WindowUpdate(streamId, f.get("increment").asInt());
            case PING -> new Frames.Ping(f.get("ack").asBoolean(), Long.parseUnsignedLong(f.get("opaque").asText(), 16));
            case GO_AWAY -> new Frames.GoAway(f.get("last_stream_id").asInt(),
                    ErrorCode.valueOf(f.get("error_code").asText()), f.get("reason").asText());
            case SETTINGS -> {
                JsonNode s = f.get("settings");
                yield new Frames.SettingsFrame(new Settings(s.get("MAX_FRAME_SIZE").asInt(),
                        s.get("INITIAL_STREAM_WINDOW").asInt(), s.get("INITIAL_CONNECTION_WINDOW").asInt(),
                        s.get("MAX_STREAMS").asInt(), s.get("MAX_MESSAGE_SIZE").asInt()));
            }
            case MAX_STREAMS -> new Frames.MaxStreams(f.get("max_streams").asInt());
            case HELLO -> new Frames.Handshake(type, HEX.formatHex(new HandshakeVectors.Hello(
                    HEX.parseHex(f.get("public_key").asText()), HEX.parseHex(f.get("nonce").asText()),
                    f.get("stripe_index").asInt(), f.get("stripe_count").asInt(),
                    f.get("advertised_address").asText()).encode()));
            case AUTH -> new Frames.Handshake(type, f.get("signature").asText());
        };
    }

    @TestFactory
    Stream<DynamicTest> invalidCases() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.get("invalid")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> {
                ByteBuf in = Unpooled.wrappedBuffer(HEX.parseHex(c.get("hex").asText()));
                try {
                    MuxException e = catchThrowableOfType(MuxException.class,
                            () -> FrameReader.readFrame(in, c.get("max_frame_size").asInt(), new Frames.Recorder()));
                    assertThat(e).as("no error raised").isNotNull();
                    assertThat(e.code().name()).isEqualTo(c.get("expect_error").asText());
                    assertThat(e.isConnectionError()).isTrue();
                } finally {
                    in.release();
                }
            }));
        }
        return tests.stream();
    }

    /** Each HELLO a listener checks: the code its GO_AWAY carries, or the address it reads (none if unusable). */
    @Test
    void helloChecks() {
        NodeIdentity listener = NodeIdentity.generate();
        int checked = 0;
        for (JsonNode c : root.get("hello_checks")) {
            String name = c.get("name").asText();
            if (!c.has("payload")) {
                ByteBuf in = Unpooled.wrappedBuffer(HEX.parseHex(c.get("hex").asText()));
                try {
                    MuxException e = catchThrowableOfType(MuxException.class,
                            () -> FrameReader.readFrame(in, 1024, new Frames.Recorder()));
                    assertThat(e).as(name).isNotNull();
                    assertThat(e.code().name()).as(name).isEqualTo(c.get("expect_error").asText());
                } finally {
                    in.release();
                }
                checked++;
                continue;
            }
            HandshakeVerifier v = new HandshakeVerifier(listener, Role.LISTENER, Hello.create(listener, 0, 0, ""),
                    null, null);
            ByteBuf payload = Unpooled.wrappedBuffer(HEX.parseHex(c.get("payload").asText()));
            try {
                if (c.has("expect_error")) {
                    HandshakeException e = catchThrowableOfType(HandshakeException.class, () -> v.onPeerHello(payload));
                    assertThat(e).as(name).isNotNull();
                    assertThat(e.errorCode().name()).as(name).isEqualTo(c.get("expect_error").asText());
                } else {
                    v.onPeerHello(payload);
                    assertThat(v.peerHello().advertisedAddress()).as(name)
                            .isEqualTo(c.get("advertised_address").asText());
                }
            } finally {
                payload.release();
            }
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(10);
    }

    @Test
    void preambles() {
        for (JsonNode c : root.get("preamble")) {
            Preamble p = new Preamble(c.get("min_version").asInt(), c.get("max_version").asInt());
            ByteBuf in = Unpooled.wrappedBuffer(HEX.parseHex(c.get("hex").asText()));
            ByteBuf out = Unpooled.buffer();
            try {
                assertThat(Preamble.decode(in)).as(c.get("name").asText()).isEqualTo(p);
                p.encode(out);
                if (!c.path("decode_only").asBoolean(false)) {
                    assertThat(ByteBufUtil.hexDump(out)).isEqualTo(c.get("hex").asText());
                }
            } finally {
                in.release();
                out.release();
            }
        }
        for (JsonNode c : root.get("invalid_preamble")) {
            ByteBuf in = Unpooled.wrappedBuffer(HEX.parseHex(c.get("hex").asText()));
            try {
                MuxException e = catchThrowableOfType(MuxException.class, () -> Preamble.decode(in));
                assertThat(e).as(c.get("name").asText()).isNotNull();
                assertThat(e.code().name()).isEqualTo(c.get("expect_error").asText());
            } finally {
                in.release();
            }
        }
        for (JsonNode c : root.get("version_negotiation")) {
            Preamble local = new Preamble(c.get("local").get(0).asInt(), c.get("local").get(1).asInt());
            Preamble peer = new Preamble(c.get("peer").get(0).asInt(), c.get("peer").get(1).asInt());
            int expected = c.get("version").isNull() ? -1 : c.get("version").asInt();
            assertThat(local.negotiate(peer)).isEqualTo(expected);
            assertThat(peer.negotiate(local)).isEqualTo(expected);
        }
    }

    @Test
    void handshakeSignaturesVerify() throws Exception {
        JsonNode h = root.get("handshake");
        JsonNode d = h.get("dialer");
        JsonNode l = h.get("listener");
        int stripe = h.get("stripe_index").asInt();
        KeyPair dk = HandshakeVectors.keyPair(HEX.parseHex(d.get("secret_key").asText()));
        KeyPair lk = HandshakeVectors.keyPair(HEX.parseHex(l.get("secret_key").asText()));
        // RFC 8032 section 7.1 TEST 1 and TEST 2 public keys.
        assertThat(d.get("public_key").asText())
                .isEqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
                .isEqualTo(HEX.formatHex(HandshakeVectors.rawPublicKey(dk.getPublic())));
        assertThat(l.get("public_key").asText())
                .isEqualTo("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
                .isEqualTo(HEX.formatHex(HandshakeVectors.rawPublicKey(lk.getPublic())));
        for (JsonNode side : List.of(d, l)) {
            String peerId = side.get("peer_id").asText();
            assertThat(peerId).hasSize(54).startsWith("cm").matches("cm[a-z2-7]{52}");
            assertThat(peerId).isEqualTo(HandshakeVectors.peerId(HEX.parseHex(side.get("public_key").asText())));
        }
        byte[] dKey = HEX.parseHex(d.get("public_key").asText());
        byte[] lKey = HEX.parseHex(l.get("public_key").asText());
        byte[] dNonce = HEX.parseHex(d.get("nonce").asText());
        byte[] lNonce = HEX.parseHex(l.get("nonce").asText());
        byte[] dTranscript = HandshakeVectors.transcript(1, dKey, lKey, dNonce, lNonce, stripe);
        byte[] lTranscript = HandshakeVectors.transcript(2, lKey, dKey, lNonce, dNonce, stripe);
        assertThat(dTranscript).hasSize(146);
        assertThat(d.get("transcript").asText()).isEqualTo(HEX.formatHex(dTranscript))
                .startsWith(HEX.formatHex("chainmux-auth-v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII)) + "01");
        assertThat(l.get("transcript").asText()).isEqualTo(HEX.formatHex(lTranscript));
        byte[] dSig = HEX.parseHex(d.get("signature").asText());
        byte[] lSig = HEX.parseHex(l.get("signature").asText());
        assertThat(HandshakeVectors.verify(dk.getPublic(), dTranscript, dSig)).isTrue();
        assertThat(HandshakeVectors.verify(lk.getPublic(), lTranscript, lSig)).isTrue();
        // Ed25519 is deterministic: the signatures are reproducible.
        assertThat(HandshakeVectors.sign(dk, dTranscript)).isEqualTo(dSig);
        // A signature does not verify as the other role (no reflection) or for another stripe.
        assertThat(HandshakeVectors.verify(dk.getPublic(),
                HandshakeVectors.transcript(2, dKey, lKey, dNonce, lNonce, stripe), dSig)).isFalse();
        assertThat(HandshakeVectors.verify(dk.getPublic(),
                HandshakeVectors.transcript(1, dKey, lKey, dNonce, lNonce, stripe + 1), dSig)).isFalse();

        // The HELLO and AUTH cases carry these values.
        JsonNode dHello = caseNamed(d.get("hello_case").asText()).get("frame");
        JsonNode lHello = caseNamed(l.get("hello_case").asText()).get("frame");
        assertThat(dHello.get("public_key").asText()).isEqualTo(d.get("public_key").asText());
        assertThat(dHello.get("nonce").asText()).isEqualTo(d.get("nonce").asText());
        assertThat(dHello.get("stripe_index").asInt()).isEqualTo(stripe);
        assertThat(dHello.get("stripe_index").asInt()).isLessThan(dHello.get("stripe_count").asInt());
        assertThat(lHello.get("public_key").asText()).isEqualTo(l.get("public_key").asText());
        assertThat(lHello.get("nonce").asText()).isEqualTo(l.get("nonce").asText());
        assertThat(caseNamed(d.get("auth_case").asText()).get("frame").get("signature").asText())
                .isEqualTo(d.get("signature").asText());
        assertThat(caseNamed(l.get("auth_case").asText()).get("frame").get("signature").asText())
                .isEqualTo(l.get("signature").asText());
    }

    private static JsonNode caseNamed(String name) {
        for (JsonNode c : root.get("cases")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no case " + name);
    }

    @Test
    void fragmentationExample() {
        JsonNode j = root.get("fragmentation");
        int length = j.get("message_length").asInt();
        int max = j.get("max_frame_size").asInt();
        byte[] message = new byte[length];
        for (int i = 0; i < length; i++) {
            message[i] = (byte) i;
        }
        ByteBuf wire = Unpooled.buffer();
        try {
            MessageFraming.writeMessage(wire, j.get("stream_id").asInt(), message, max, false);
            for (JsonNode f : j.get("frames")) {
                assertThat(ByteBufUtil.hexDump(wire, wire.readerIndex(), WireFormat.HEADER_LENGTH))
                        .isEqualTo(f.get("header_hex").asText());
                int len = f.get("length").asInt();
                assertThat(ByteBufUtil.getBytes(wire, wire.readerIndex() + WireFormat.HEADER_LENGTH, len)).isEqualTo(
                        java.util.Arrays.copyOfRange(message, f.get("message_offset").asInt(),
                                f.get("message_offset").asInt() + len));
                wire.skipBytes(WireFormat.HEADER_LENGTH + len);
            }
            assertThat(wire.isReadable()).isFalse();
        } finally {
            wire.release();
        }
        assertThat(j.get("frames")).extracting(f -> f.get("length").asInt()).containsExactly(16_384, 16_384, 7_232);
        assertThat(j.get("frames")).extracting(f -> f.get("flags").asInt()).containsExactly(0, 0, 1);
        assertThat(j.get("window_charge").asInt()).isEqualTo(40_001);
    }

    @Test
    void vectorsCoverEveryTypeFlagAndError() {
        Set<FrameType> types = EnumSet.noneOf(FrameType.class);
        Set<Integer> dataFlags = new HashSet<>();
        Set<String> dataShapes = new HashSet<>();
        Set<Boolean> pingAcks = new HashSet<>();
        Set<Boolean> windowOnConnection = new HashSet<>();
        for (JsonNode c : root.get("cases")) {
            JsonNode f = c.get("frame");
            FrameType t = FrameType.valueOf(f.get("type").asText());
            types.add(t);
            if (t == FrameType.DATA) {
                dataFlags.add(f.get("flags").asInt() & 3);
                dataShapes.add((f.get("payload").asText().isEmpty() ? "empty" : "bytes") + (f.get("flags").asInt() & 3));
            }
            if (t == FrameType.PING) {
                pingAcks.add(f.get("ack").asBoolean());
            }
            if (t == FrameType.WINDOW_UPDATE) {
                windowOnConnection.add(f.get("stream_id").asInt() == 0);
            }
        }
        assertThat(types).containsExactlyInAnyOrder(FrameType.values());
        assertThat(dataFlags).containsExactlyInAnyOrder(0, 1, 2, 3);
        assertThat(dataShapes).contains("empty1", "empty2", "empty3", "bytes0", "bytes1", "bytes3");
        assertThat(pingAcks).containsExactlyInAnyOrder(true, false);
        assertThat(windowOnConnection).containsExactlyInAnyOrder(true, false);
        Set<String> errors = new HashSet<>();
        root.get("invalid").forEach(c -> errors.add(c.get("expect_error").asText()));
        assertThat(errors).containsExactlyInAnyOrder("PROTOCOL_ERROR", "FRAME_SIZE_ERROR");
    }
}
