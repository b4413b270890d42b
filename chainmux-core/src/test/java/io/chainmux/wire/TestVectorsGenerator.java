package io.chainmux.wire;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.HexFormat;

/**
 * Generates {@code docs/test-vectors/frames-v1.json}. The hex of every encodable case comes from
 * {@link FrameWriter}; {@link TestVectorsTest} fails when the committed file differs from what
 * this produces. Regenerate with
 * {@code mvn -o -pl chainmux-core test -Dtest=TestVectorsTest -Dwire.vectors.regenerate=true}.
 */
final class TestVectorsGenerator {
    private TestVectorsGenerator() {}

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final Path FILE = Path.of("..", "docs", "test-vectors", "frames-v1.json");
    static final int MAX = SettingId.MAX_FRAME_SIZE.defaultValue;
    private static final HexFormat HEX = HexFormat.of();

    // RFC 8032 section 7.1, TEST 1 and TEST 2 secret keys: any Ed25519 library reproduces these keys.
    static final String DIALER_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    static final String LISTENER_SEED = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
    static final int STRIPE_INDEX = 1;
    static final int STRIPE_COUNT = 4;

    public static void main(String[] args) throws Exception {
        write(args.length > 0 ? Path.of(args[0]) : FILE);
    }

    static void write(Path file) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, render(generate()), StandardCharsets.UTF_8);
    }

    static String render(ObjectNode root) throws Exception {
        return JSON.writeValueAsString(root) + "\n";
    }

    static ObjectNode generate() throws Exception {
        ObjectNode root = JSON.createObjectNode();
        root.put("protocol", "chainmux wire protocol, version 1");
        root.put("specification", "docs/PROTOCOL.md");
        root.put("generator", "chainmux-core/src/test/java/io/chainmux/wire/TestVectorsGenerator.java");
        ArrayNode conventions = root.putArray("conventions");
        conventions.add("hex: lowercase, no separators, the exact bytes on the wire (frame header included)");
        conventions.add("byte fields (payload, detail, opaque, keys, nonces, signatures) are hex strings; text fields are "
                + "JSON strings; integers are JSON numbers");
        conventions.add("max_frame_size: the MAX_FRAME_SIZE the decoding side announced; 16384 (the default) if absent");
        conventions.add("decode_only: true marks bytes a conforming v1 encoder does not produce (unknown flags, ids or "
                + "codes; partial SETTINGS) but every decoder must accept as described");
        conventions.add("error_code_value: the 32-bit code on the wire; error_code: its name (UNKNOWN for an "
                + "unassigned value)");
        conventions.add("settings: the values in force after applying the entries to the defaults");

        HandshakeData hs = handshake();
        preambles(root);
        cases(root.putArray("cases"), hs);
        invalid(root.putArray("invalid"));
        root.set("handshake", hs.json);
        helloChecks(root.putArray("hello_checks"));
        fragmentation(root);
        return root;
    }

    // ---- preamble -------------------------------------------------------------------------

    private static void preambles(ObjectNode root) {
        ArrayNode p = root.putArray("preamble");
        preamble(p, "preamble-v1", "What every v1 implementation sends first: \"CMUX\", versions [1, 1], reserved 0.",
                Preamble.CURRENT, false, null);
        preamble(p, "preamble-range-1-3", "A future implementation that speaks versions 1 to 3.",
                new Preamble(1, 3), false, null);
        preamble(p, "preamble-reserved-ignored", "Reserved bytes must be sent as 0 but are ignored on receipt.",
                new Preamble(1, 1), true, "434d55580101abcd");

        ArrayNode n = root.putArray("version_negotiation");
        negotiation(n, 1, 1, 1, 1);
        negotiation(n, 1, 3, 2, 5);
        negotiation(n, 2, 5, 1, 3);
        negotiation(n, 1, 1, 2, 2);

        ArrayNode bad = root.putArray("invalid_preamble");
        badPreamble(bad, "preamble-http", "An HTTP request: wrong magic.", "474554202f204854", true);
        badPreamble(bad, "preamble-tls-client-hello", "A TLS record reaching a plaintext listener: wrong magic.",
                "1603010200010001", true);
        badPreamble(bad, "preamble-magic-off-by-one", "\"CMUY\": wrong magic.", "434d555901010000", true);
        badPreamble(bad, "preamble-min-version-zero", "Version 0 does not exist.", "434d555800010000", false);
        badPreamble(bad, "preamble-min-above-max", "min version 2 > max version 1.", "434d555802010000", false);
    }

    private static void preamble(ArrayNode out, String name, String description, Preamble p, boolean decodeOnly,
                                 String rawHex) {
        ObjectNode c = out.addObject();
        c.put("name", name);
        c.put("description", description);
        if (decodeOnly) {
            c.put("decode_only", true);
        }
        c.put("min_version", p.minVersion());
        c.put("max_version", p.maxVersion());
        ByteBuf b = Unpooled.buffer();
        try {
            p.encode(b);
            c.put("hex", rawHex != null ? rawHex : ByteBufUtil.hexDump(b));
        } finally {
            b.release();
        }
    }

    private static void negotiation(ArrayNode out, int minA, int maxA, int minB, int maxB) {
        ObjectNode c = out.addObject();
        c.putArray("local").add(minA).add(maxA);
        c.putArray("peer").add(minB).add(maxB);
        int v = new Preamble(minA, maxA).negotiate(new Preamble(minB, maxB));
        if (v < 0) {
            c.putNull("version");
            c.put("action", "send GO_AWAY(last stream id 0, UNSUPPORTED_VERSION) in v1 framing, then close");
        } else {
            c.put("version", v);
        }
    }

    private static void badPreamble(ArrayNode out, String name, String description, String hex, boolean wrongMagic) {
        ObjectNode c = out.addObject();
        c.put("name", name);
        c.put("description", description);
        c.put("hex", hex);
        c.put("expect_error", ErrorCode.PROTOCOL_ERROR.name());
        c.put("action", wrongMagic ? "close at once; send nothing (not a chainmux peer)"
                : "close; optionally GO_AWAY(last stream id 0, PROTOCOL_ERROR) in v1 framing first");
    }

    // ---- valid frames ---------------------------------------------------------------------

    private static void cases(ArrayNode out, HandshakeData hs) {
        int em = WireFormat.FLAG_END_MESSAGE;
        int fin = WireFormat.FLAG_FIN;
        valid(out, "data-end-message", "A whole 5-byte message (\"hello\") in one frame on stream 1.",
                new Frames.Data(1, em, ascii("hello")));
        valid(out, "data-fragment", "A middle fragment: no flags, the message continues in later frames.",
                new Frames.Data(3, 0, "00010203fdfeff"));
        valid(out, "data-end-message-fin", "The last frame of a message that also half-closes the stream.",
                new Frames.Data(2, em | fin, ascii("bye")));
        valid(out, "data-fin-only", "An empty frame with only FIN: half-close between messages. Window charge 0.",
                new Frames.Data(1, fin, ""));
        valid(out, "data-empty-message", "An empty message: length 0 with END_MESSAGE. Window charge 1.",
                new Frames.Data(5, em, ""));
        valid(out, "data-empty-message-fin", "An empty message that also half-closes the stream.",
                new Frames.Data(7, em | fin, ""));
        valid(out, "data-highest-stream-id", "Stream id 2^31-1, the highest a dialer can open.",
                new Frames.Data(Integer.MAX_VALUE, em, "2a"));
        decodeOnly(out, "data-unknown-flags-ignored",
                "DATA with flags 0x85: END_MESSAGE plus unknown bits 0x04 and 0x80, which the receiver ignores.",
                "000001" + "00" + "85" + "00000009" + "2a", new Frames.Data(9, 0x85, "2a"));

        valid(out, "open-chain-network", "The dialer opens stream 1 for network 7/chaindb-sync/1 (chain 7's "
                + "block sync) and accepts messages up to 16 MiB on it.",
                new Frames.Open(1, 16 * 1024 * 1024, "7/chaindb-sync/1"));
        valid(out, "open-listener-stream", "The listener opens even stream 2; it accepts messages up to 2 MiB.",
                new Frames.Open(2, 2 * 1024 * 1024, "chain-19/mempool/1"));
        valid(out, "open-edge-values", "Max message size 2^31-1 and a 1-byte network id.",
                new Frames.Open(9, Integer.MAX_VALUE, "x"));
        valid(out, "accept", "The acceptor of stream 1 accepts messages up to 2 MiB on it.",
                new Frames.Accept(1, 2 * 1024 * 1024));
        valid(out, "accept-min", "Max message size 1: only 1-byte (and empty) messages.", new Frames.Accept(4, 1));

        valid(out, "reset-cancel", "The application gave up on stream 3; no detail.",
                new Frames.Reset(3, ErrorCode.CANCEL, ""));
        valid(out, "reset-refused-busy-detail", "A refusal with a detail (opaque here; its format belongs to the P2P "
                + "layer, e.g. alternative peers).", new Frames.Reset(5, ErrorCode.REFUSED_BUSY,
                ascii("198.51.100.20:1789")));
        valid(out, "reset-refused-unknown-network", "No network with the OPEN's id is served here.",
                new Frames.Reset(11, ErrorCode.REFUSED_UNKNOWN_NETWORK, ""));
        decodeOnly(out, "reset-unknown-code", "Code 0x99 is unassigned: it decodes as UNKNOWN, not as an error.",
                "000004" + "03" + "00" + "00000001" + "00000099", new Frames.Reset(1, ErrorCode.UNKNOWN, ""));

        valid(out, "window-update-stream", "64 KiB more credit for stream 1.", new Frames.WindowUpdate(1, 65_536));
        valid(out, "window-update-connection", "Stream id 0: 16 MiB more credit for the connection.",
                new Frames.WindowUpdate(0, 16 * 1024 * 1024));
        valid(out, "window-update-max", "The largest increment, 2^31-1.", new Frames.WindowUpdate(0, Integer.MAX_VALUE));

        valid(out, "ping", "A PING with 8 opaque bytes.", new Frames.Ping(false, 0x0123456789abcdefL));
        valid(out, "ping-ack", "The reply: ACK and the same 8 bytes.", new Frames.Ping(true, 0x0123456789abcdefL));
        decodeOnly(out, "ping-unknown-flags-ignored", "PING with flags 0x03: ACK plus unknown bit 0x02, ignored.",
                "000008" + "05" + "03" + "00000000" + "0123456789abcdef", new Frames.Ping(true, 0x0123456789abcdefL));

        valid(out, "go-away-graceful", "Graceful shutdown: streams up to 6 opened by the peer were processed.",
                new Frames.GoAway(6, ErrorCode.NO_ERROR, ""));
        valid(out, "go-away-calm", "A connection error with a reason.",
                new Frames.GoAway(7, ErrorCode.ENHANCE_YOUR_CALM, "too many resets"));
        valid(out, "go-away-utf8-reason", "The reason is UTF-8 text (here with 2-byte characters).",
                new Frames.GoAway(0, ErrorCode.NO_ERROR, "arr\u00eat planifi\u00e9"));
        valid(out, "go-away-unsupported-version", "Sent when the preambles have no version in common.",
                new Frames.GoAway(0, ErrorCode.UNSUPPORTED_VERSION, "no common version"));

        valid(out, "settings-defaults", "All five settings at their defaults, in id order (what FrameWriter sends).",
                new Frames.SettingsFrame(Settings.defaults()));
        valid(out, "settings-custom", "All five settings with other values.",
                new Frames.SettingsFrame(new Settings(65_536, 1024 * 1024, 64 * 1024 * 1024, 100, 2 * 1024 * 1024)));
        decodeOnly(out, "settings-empty", "No entries: every setting keeps its default.", "000000070000000000",
                new Frames.SettingsFrame(Settings.defaults()));
        decodeOnly(out, "settings-partial", "Only MAX_STREAMS=100 and MAX_FRAME_SIZE=65536; the others keep defaults.",
                "00000c" + "07" + "00" + "00000000" + "000400000064" + "000100010000",
                new Frames.SettingsFrame(new Settings(65_536, 262_144, 16_777_216, 100, 16_777_216)));
        decodeOnly(out, "settings-unknown-id", "Id 0x0010 is unknown and ignored, whatever its value.",
                "00000c" + "07" + "00" + "00000000" + "0010deadbeef" + "000200100000",
                new Frames.SettingsFrame(new Settings(16_384, 1_048_576, 16_777_216, 2_048, 16_777_216)));

        valid(out, "max-streams", "Cumulative stream credit: the peer may have opened up to 4096 streams in total.",
                new Frames.MaxStreams(4096));
        valid(out, "max-streams-zero", "Credit 0 (only meaningful as a no-op; credit never decreases).",
                new Frames.MaxStreams(0));

        valid(out, "hello-dialer", "The dialer's HELLO (see handshake): stripe 1 of 4, advertised address.",
                hs.dialerHello);
        valid(out, "hello-listener", "The listener's HELLO: stripe fields 0, advertised address.", hs.listenerHello);
        valid(out, "auth-dialer", "The dialer's AUTH: its signature over its transcript (see handshake).",
                hs.dialerAuth);
        valid(out, "auth-listener", "The listener's AUTH.", hs.listenerAuth);
    }

    private static void valid(ArrayNode out, String name, String description, Frames.Frame f) {
        ObjectNode c = out.addObject();
        c.put("name", name);
        c.put("description", description);
        c.set("frame", frameJson(f));
        c.put("hex", Frames.hex(Frames.encode(f)));
    }

    private static void decodeOnly(ArrayNode out, String name, String description, String hex, Frames.Frame decoded) {
        ObjectNode c = out.addObject();
        c.put("name", name);
        c.put("description", description);
        c.put("decode_only", true);
        ObjectNode frame = frameJson(decoded);
        if (decoded instanceof Frames.Reset) {
            frame.put("error_code_value", Integer.parseInt(hex.substring(18, 26), 16));
        }
        if (decoded instanceof Frames.Ping || decoded instanceof Frames.Data) {
            frame.put("flags", Integer.parseInt(hex.substring(8, 10), 16));
        }
        if (decoded instanceof Frames.SettingsFrame) {
            ArrayNode entries = frame.putArray("entries");
            for (int i = 18; i < hex.length(); i += 12) {
                int id = Integer.parseInt(hex.substring(i, i + 4), 16);
                ObjectNode e = entries.addObject();
                e.put("id", id);
                SettingId s = SettingId.fromId(id);
                if (s != null) {
                    e.put("name", s.name());
                }
                e.put("value", Long.parseLong(hex.substring(i + 4, i + 12), 16));
            }
            frame.set("settings", frame.remove("settings")); // keep the effective values last
        }
        c.set("frame", frame);
        c.put("hex", hex);
    }

    static ObjectNode frameJson(Frames.Frame f) {
        ObjectNode j = JSON.createObjectNode();
        j.put("type", f.type().name());
        if (f instanceof Frames.Data d) {
            j.put("flags", d.flags());
            j.put("stream_id", d.streamId());
            j.put("end_message", (d.flags() & WireFormat.FLAG_END_MESSAGE) != 0);
            j.put("fin", (d.flags() & WireFormat.FLAG_FIN) != 0);
            j.put("payload", d.payloadHex());
        } else if (f instanceof Frames.Open o) {
            header(j, 0, o.streamId());
            j.put("max_message_size", o.maxMessageSize());
            j.put("network_id", o.networkId());
        } else if (f instanceof Frames.Accept a) {
            header(j, 0, a.streamId());
            j.put("max_message_size", a.maxMessageSize());
        } else if (f instanceof Frames.Reset r) {
            header(j, 0, r.streamId());
            j.put("error_code", r.code().name());
            j.put("error_code_value", r.code().code);
            j.put("detail", r.detailHex());
        } else if (f instanceof Frames.WindowUpdate w) {
            header(j, 0, w.streamId());
            j.put("increment", w.increment());
        } else if (f instanceof Frames.Ping p) {
            header(j, p.ack() ? WireFormat.FLAG_ACK : 0, 0);
            j.put("ack", p.ack());
            j.put("opaque", String.format("%016x", p.opaque()));
        } else if (f instanceof Frames.GoAway g) {
            header(j, 0, 0);
            j.put("last_stream_id", g.lastStreamId());
            j.put("error_code", g.code().name());
            j.put("error_code_value", g.code().code);
            j.put("reason", g.reason());
        } else if (f instanceof Frames.SettingsFrame s) {
            header(j, 0, 0);
            ArrayNode entries = j.putArray("entries");
            int[] values = {s.settings().maxFrameSize(), s.settings().initialStreamWindow(),
                s.settings().initialConnectionWindow(), s.settings().maxStreams(), s.settings().maxMessageSize()};
            for (SettingId id : SettingId.values()) {
                entries.addObject().put("id", id.id).put("name", id.name()).put("value", values[id.ordinal()]);
            }
            ObjectNode eff = j.putObject("settings");
            for (SettingId id : SettingId.values()) {
                eff.put(id.name(), values[id.ordinal()]);
            }
        } else if (f instanceof Frames.MaxStreams m) {
            header(j, 0, 0);
            j.put("max_streams", m.maxStreams());
        } else if (f instanceof Frames.Handshake h) {
            header(j, 0, 0);
            byte[] p = Frames.unhex(h.payloadHex());
            if (h.type() == FrameType.HELLO) {
                HandshakeVectors.Hello hello = HandshakeVectors.Hello.decode(p);
                j.put("public_key", HEX.formatHex(hello.publicKey()));
                j.put("nonce", HEX.formatHex(hello.nonce()));
                j.put("stripe_index", hello.stripeIndex());
                j.put("stripe_count", hello.stripeCount());
                j.put("advertised_address", hello.address());
            } else {
                j.put("signature", h.payloadHex());
            }
        } else {
            throw new IllegalArgumentException("unknown frame " + f);
        }
        return j;
    }

    private static void header(ObjectNode j, int flags, int streamId) {
        j.put("flags", flags);
        j.put("stream_id", streamId);
    }

    private static String ascii(String s) {
        return HEX.formatHex(s.getBytes(StandardCharsets.US_ASCII));
    }

    // ---- invalid frames -------------------------------------------------------------------

    private static String header(int length, int type, int flags, long streamId) {
        return String.format("%06x%02x%02x%08x", length, type, flags, streamId);
    }

    private static String hex(int... bytes) {
        StringBuilder sb = new StringBuilder();
        for (int b : bytes) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    private static String u32(long v) {
        return String.format("%08x", v);
    }

    private static void bad(ArrayNode out, String name, String description, String hex, ErrorCode expected) {
        bad(out, name, description, hex, expected, MAX);
    }

    private static void bad(ArrayNode out, String name, String description, String hex, ErrorCode expected,
                            int maxFrameSize) {
        ObjectNode c = out.addObject();
        c.put("name", name);
        c.put("description", description);
        c.put("hex", hex);
        c.put("expect_error", expected.name());
        c.put("max_frame_size", maxFrameSize);
    }

    private static void invalid(ArrayNode out) {
        ErrorCode proto = ErrorCode.PROTOCOL_ERROR;
        ErrorCode size = ErrorCode.FRAME_SIZE_ERROR;
        int data = 0x0;
        int open = 0x1;
        int accept = 0x2;
        int reset = 0x3;
        int wu = 0x4;
        int ping = 0x5;
        int goAway = 0x6;
        int settings = 0x7;
        int maxStreams = 0x8;

        bad(out, "unknown-type-0x0b", "Type 0x0B is not assigned in v1.", header(4, 0x0b, 0, 0) + u32(1), proto);
        bad(out, "unknown-type-0xff", "Type 0xFF is not assigned in v1.", header(0, 0xff, 0, 1), proto);
        bad(out, "frame-exceeds-max-frame-size", "A 1025-byte DATA payload when the receiver announced 1024.",
                header(1025, data, 1, 1) + "00".repeat(1025), size, 1024);
        bad(out, "settings-exceeds-max-frame-size", "The size limit applies to every type, before any other check.",
                header(1026, settings, 0, 0) + "00".repeat(1026), size, 1024);
        bad(out, "reserved-bit-set", "The stream id field's high bit (R) is set.",
                header(4, wu, 0, 0x80000001L) + u32(1), proto);
        bad(out, "reserved-bit-set-stream-zero", "R set on a connection frame: 0x80000000 is not stream 0.",
                header(8, ping, 0, 0x80000000L) + "00".repeat(8), proto);

        bad(out, "data-on-stream-0", "DATA needs a stream.", header(1, data, 1, 0) + "2a", proto);
        bad(out, "open-on-stream-0", "OPEN needs a stream.", header(6, open, 0, 0) + u32(1024) + "01" + "61", proto);
        bad(out, "accept-on-stream-0", "ACCEPT needs a stream.", header(4, accept, 0, 0) + u32(1024), proto);
        bad(out, "reset-on-stream-0", "RESET needs a stream.", header(4, reset, 0, 0) + u32(8), proto);
        bad(out, "ping-on-stream-1", "PING is a connection frame.", header(8, ping, 0, 1) + "00".repeat(8), proto);
        bad(out, "go-away-on-stream-1", "GO_AWAY is a connection frame.",
                header(8, goAway, 0, 1) + u32(0) + u32(0), proto);
        bad(out, "settings-on-stream-1", "SETTINGS is a connection frame.", header(0, settings, 0, 1), proto);
        bad(out, "max-streams-on-stream-1", "MAX_STREAMS is a connection frame.",
                header(4, maxStreams, 0, 1) + u32(10), proto);
        bad(out, "hello-on-stream-1", "HELLO is a connection frame.", header(0, 0x9, 0, 1), proto);
        bad(out, "auth-on-stream-1", "AUTH is a connection frame.", header(64, 0xa, 0, 1) + "00".repeat(64), proto);

        bad(out, "data-empty-without-flags", "An empty DATA frame without END_MESSAGE or FIN (empty-frame flood).",
                header(0, data, 0, 1), proto);
        bad(out, "data-empty-unknown-flag-only", "Unknown flags do not count: 0x80 alone is still no flag.",
                header(0, data, 0x80, 1), proto);

        bad(out, "open-too-short", "OPEN needs at least 5 payload bytes.", header(4, open, 0, 1) + u32(1024), size);
        bad(out, "open-max-message-size-zero", "Max message size must be in [1, 2^31-1].",
                header(6, open, 0, 1) + u32(0) + "01" + "61", proto);
        bad(out, "open-max-message-size-high-bit", "Max message size 2^31 is out of range.",
                header(6, open, 0, 1) + u32(0x80000000L) + "01" + "61", proto);
        bad(out, "open-network-id-empty", "Network id length 0.", header(5, open, 0, 1) + u32(1024) + "00", size);
        bad(out, "open-network-id-length-exceeds-frame", "Id length 5, but only 4 id bytes in the frame.",
                header(9, open, 0, 1) + u32(1024) + "05" + ascii("abcd"), size);
        bad(out, "open-network-id-length-short-of-frame", "Id length 3, but 4 id bytes in the frame.",
                header(9, open, 0, 1) + u32(1024) + "03" + ascii("abcd"), size);
        bad(out, "open-network-id-space", "A space (0x20) is not allowed in a network id.",
                header(8, open, 0, 1) + u32(1024) + "03" + hex('a', 0x20, 'b'), proto);
        bad(out, "open-network-id-control", "A control byte (0x0a) is not allowed.",
                header(8, open, 0, 1) + u32(1024) + "03" + hex('a', 0x0a, 'b'), proto);
        bad(out, "open-network-id-del", "DEL (0x7f) is not allowed.",
                header(8, open, 0, 1) + u32(1024) + "03" + hex('a', 0x7f, 'b'), proto);
        bad(out, "open-network-id-non-ascii", "UTF-8 \"\u00e9\" (0xc3 0xa9) is not printable ASCII.",
                header(8, open, 0, 1) + u32(1024) + "03" + hex('a', 0xc3, 0xa9), proto);

        bad(out, "accept-too-long", "ACCEPT payload must be exactly 4 bytes.", header(5, accept, 0, 1) + u32(1024) + "00",
                size);
        bad(out, "accept-too-short", "ACCEPT payload must be exactly 4 bytes.", header(3, accept, 0, 1) + "000400", size);
        bad(out, "accept-max-message-size-zero", "Max message size must be in [1, 2^31-1].",
                header(4, accept, 0, 1) + u32(0), proto);
        bad(out, "accept-max-message-size-high-bit", "Max message size 0xffffffff is out of range.",
                header(4, accept, 0, 1) + u32(0xffffffffL), proto);

        bad(out, "reset-too-short", "RESET needs the 4-byte error code.", header(3, reset, 0, 1) + "000008", size);
        bad(out, "reset-detail-too-long", "A 1001-byte detail exceeds the 1000-byte maximum.",
                header(1005, reset, 0, 1) + u32(10) + "00".repeat(1001), size);

        bad(out, "window-update-wrong-size", "WINDOW_UPDATE payload must be exactly 4 bytes.",
                header(8, wu, 0, 1) + u32(0) + u32(1), size);
        bad(out, "window-update-zero", "A zero increment.", header(4, wu, 0, 1) + u32(0), proto);
        bad(out, "window-update-zero-connection", "A zero increment on the connection.",
                header(4, wu, 0, 0) + u32(0), proto);
        bad(out, "window-update-high-bit", "Increment 2^31 is out of range.",
                header(4, wu, 0, 0) + u32(0x80000000L), proto);

        bad(out, "ping-too-short", "PING payload must be exactly 8 bytes.", header(7, ping, 0, 0) + "00".repeat(7), size);
        bad(out, "ping-too-long", "PING payload must be exactly 8 bytes.", header(9, ping, 1, 0) + "00".repeat(9), size);

        bad(out, "go-away-too-short", "GO_AWAY needs last stream id and error code.",
                header(7, goAway, 0, 0) + u32(0) + "000000", size);
        bad(out, "go-away-reason-too-long", "A 257-byte reason exceeds the 256-byte maximum.",
                header(265, goAway, 0, 0) + u32(0) + u32(0) + "61".repeat(257), size);
        bad(out, "go-away-last-stream-high-bit", "The last stream id's high bit must be 0.",
                header(8, goAway, 0, 0) + u32(0x80000001L) + u32(0), proto);

        bad(out, "settings-partial-entry", "SETTINGS length must be a multiple of 6.",
                header(5, settings, 0, 0) + "0001" + "000040", size);
        bad(out, "settings-entry-and-a-half", "SETTINGS length must be a multiple of 6.",
                header(9, settings, 0, 0) + "000100004000" + "000200", size);
        bad(out, "settings-too-many-entries", "17 entries exceed the maximum of 16.",
                header(102, settings, 0, 0) + "000400000064".repeat(17), size);
        badSetting(out, "settings-max-frame-size-too-small", SettingId.MAX_FRAME_SIZE, 1023);
        badSetting(out, "settings-max-frame-size-too-large", SettingId.MAX_FRAME_SIZE, 1 << 24);
        badSetting(out, "settings-initial-stream-window-too-large", SettingId.INITIAL_STREAM_WINDOW, 1L << 31);
        badSetting(out, "settings-initial-connection-window-too-large", SettingId.INITIAL_CONNECTION_WINDOW,
                0xffffffffL);
        badSetting(out, "settings-max-streams-too-large", SettingId.MAX_STREAMS, 1L << 31);
        badSetting(out, "settings-max-message-size-zero", SettingId.MAX_MESSAGE_SIZE, 0);
        badSetting(out, "settings-max-message-size-too-large", SettingId.MAX_MESSAGE_SIZE, 1L << 31);

        bad(out, "max-streams-too-short", "MAX_STREAMS payload must be exactly 4 bytes.",
                header(0, maxStreams, 0, 0), size);
        bad(out, "max-streams-too-long", "MAX_STREAMS payload must be exactly 4 bytes.",
                header(5, maxStreams, 0, 0) + u32(1) + "00", size);
        bad(out, "max-streams-high-bit", "Credit 2^31 is out of range.",
                header(4, maxStreams, 0, 0) + u32(0x80000000L), proto);
    }

    private static void badSetting(ArrayNode out, String name, SettingId id, long value) {
        bad(out, name, id.name() + "=" + value + " is outside [" + id.min + ", " + id.max + "].",
                header(6, 0x7, 0, 0) + String.format("%04x", id.id) + u32(value), ErrorCode.PROTOCOL_ERROR);
    }

    // ---- handshake ------------------------------------------------------------------------

    record HandshakeData(ObjectNode json, Frames.Frame dialerHello, Frames.Frame listenerHello,
                         Frames.Frame dialerAuth, Frames.Frame listenerAuth) {}

    private static HandshakeData handshake() throws Exception {
        KeyPair dialer = HandshakeVectors.keyPair(HEX.parseHex(DIALER_SEED));
        KeyPair listener = HandshakeVectors.keyPair(HEX.parseHex(LISTENER_SEED));
        byte[] dKey = HandshakeVectors.rawPublicKey(dialer.getPublic());
        byte[] lKey = HandshakeVectors.rawPublicKey(listener.getPublic());
        byte[] dNonce = new byte[32];
        byte[] lNonce = new byte[32];
        for (int i = 0; i < 32; i++) {
            dNonce[i] = (byte) i;
            lNonce[i] = (byte) (0xe0 + i);
        }
        var dHello = new HandshakeVectors.Hello(dKey, dNonce, STRIPE_INDEX, STRIPE_COUNT, "198.51.100.7:1789");
        var lHello = new HandshakeVectors.Hello(lKey, lNonce, 0, 0, "203.0.113.9:1789");
        byte[] dTranscript = HandshakeVectors.transcript(HandshakeVectors.ROLE_DIALER, dKey, lKey, dNonce, lNonce,
                STRIPE_INDEX);
        byte[] lTranscript = HandshakeVectors.transcript(HandshakeVectors.ROLE_LISTENER, lKey, dKey, lNonce, dNonce,
                STRIPE_INDEX);
        byte[] dSig = HandshakeVectors.sign(dialer, dTranscript);
        byte[] lSig = HandshakeVectors.sign(listener, lTranscript);

        ObjectNode j = JSON.createObjectNode();
        j.put("description", "A complete HELLO/AUTH exchange. Keys are the RFC 8032 section 7.1 TEST 1 (dialer) and "
                + "TEST 2 (listener) key pairs; nonces are fixed for reproducibility (real nonces are random). "
                + "The transcript's stripe index is the one in the dialer's HELLO.");
        j.put("stripe_index", STRIPE_INDEX);
        side(j.putObject("dialer"), DIALER_SEED, dKey, dNonce, "hello-dialer", "auth-dialer", dTranscript, dSig);
        side(j.putObject("listener"), LISTENER_SEED, lKey, lNonce, "hello-listener", "auth-listener", lTranscript,
                lSig);
        return new HandshakeData(j, new Frames.Handshake(FrameType.HELLO, HEX.formatHex(dHello.encode())),
                new Frames.Handshake(FrameType.HELLO, HEX.formatHex(lHello.encode())),
                new Frames.Handshake(FrameType.AUTH, HEX.formatHex(dSig)),
                new Frames.Handshake(FrameType.AUTH, HEX.formatHex(lSig)));
    }

    private static void side(ObjectNode j, String seed, byte[] key, byte[] nonce, String hello, String auth,
                             byte[] transcript, byte[] signature) {
        j.put("secret_key", seed);
        j.put("public_key", HEX.formatHex(key));
        j.put("peer_id", HandshakeVectors.peerId(key));
        j.put("nonce", HEX.formatHex(nonce));
        j.put("hello_case", hello);
        j.put("auth_case", auth);
        j.put("transcript", HEX.formatHex(transcript));
        j.put("signature", HEX.formatHex(signature));
    }

    // ---- HELLO checks ---------------------------------------------------------------------

    /**
     * A dialer's HELLO payloads as a listener checks them (docs/PROTOCOL.md sections 4.10 and 5.3),
     * with the dialer key and nonce of the handshake example: the GO_AWAY code of a failure, or the
     * advertised address as read (empty when the address is unusable, which is not a failure).
     */
    private static void helloChecks(ArrayNode out) throws Exception {
        byte[] key = HandshakeVectors.rawPublicKey(HandshakeVectors.keyPair(HEX.parseHex(DIALER_SEED)).getPublic());
        byte[] nonce = new byte[32];
        for (int i = 0; i < 32; i++) {
            nonce[i] = (byte) i;
        }
        helloFails(out, "hello-stripe-count-zero", "A dialer must name its stripe: count 0.", key, nonce, 0, 0);
        helloFails(out, "hello-stripe-index-at-count", "Stripe index 3 of 3 stripes.", key, nonce, 3, 3);
        helloFails(out, "hello-stripe-index-without-count", "Stripe index 1 with count 0.", key, nonce, 1, 0);
        helloReads(out, "hello-address-name", "A host name is usable.", key, nonce, "node-7.example.org:1789",
                "node-7.example.org:1789");
        helloReads(out, "hello-address-ipv6", "An IPv6 literal in brackets is usable.", key, nonce,
                "[2001:db8::7]:1789", "[2001:db8::7]:1789");
        helloReads(out, "hello-address-port-zero", "Port 0 is not usable: ignored, the handshake goes on.", key,
                nonce, "198.51.100.7:0", "");
        helloReads(out, "hello-address-with-peer-id", "'@' is not part of the grammar: ignored.", key, nonce,
                "cmabc@198.51.100.7:1789", "");
        helloReads(out, "hello-address-underscore", "'_' is not part of the grammar: ignored.", key, nonce,
                "bad_host:1789", "");
        helloReads(out, "hello-address-ipv6-unbracketed", "An IPv6 literal without brackets: ignored.", key, nonce,
                "2001:db8::7:1789", "");
        helloReads(out, "hello-address-bad-ipv6", "Brackets around something that is not IPv6: ignored.", key,
                nonce, "[zz::1]:1789", "");
        ObjectNode big = out.addObject();
        big.put("name", "handshake-frame-above-1024");
        big.put("description", "Before the peer's AUTH is verified a receiver accepts frames of at most 1,024 "
                + "bytes (section 3); the header alone decides.");
        big.put("hex", header(1025, 0x9, 0, 0));
        big.put("expect_error", ErrorCode.FRAME_SIZE_ERROR.name());
    }

    private static ObjectNode hello(ArrayNode out, String name, String description, byte[] key, byte[] nonce,
                                    int index, int count, String address) {
        ObjectNode c = out.addObject();
        c.put("name", name);
        c.put("description", description);
        c.put("payload", HEX.formatHex(new HandshakeVectors.Hello(key, nonce, index, count, address).encode()));
        return c;
    }

    private static void helloFails(ArrayNode out, String name, String description, byte[] key, byte[] nonce,
                                   int index, int count) {
        hello(out, name, description, key, nonce, index, count, "").put("expect_error",
                ErrorCode.HANDSHAKE_FAILED.name());
    }

    private static void helloReads(ArrayNode out, String name, String description, byte[] key, byte[] nonce,
                                   String address, String read) {
        hello(out, name, description, key, nonce, 1, 4, address).put("advertised_address", read);
    }

    // ---- fragmentation --------------------------------------------------------------------

    private static void fragmentation(ObjectNode root) {
        int length = 40_000;
        byte[] message = new byte[length];
        for (int i = 0; i < length; i++) {
            message[i] = (byte) i;
        }
        ObjectNode j = root.putObject("fragmentation");
        j.put("description", "A 40,000-byte message on stream 1 with MAX_FRAME_SIZE 16384. Message byte i is "
                + "(i mod 256). Frames carry consecutive slices; only the last has END_MESSAGE.");
        j.put("stream_id", 1);
        j.put("message_length", length);
        j.put("max_frame_size", MAX);
        j.put("window_charge", WireFormat.dataCharge(0, WireFormat.FLAG_END_MESSAGE) + length);
        ArrayNode frames = j.putArray("frames");
        ByteBuf wire = Unpooled.buffer();
        try {
            MessageFraming.writeMessage(wire, 1, message, MAX, false);
            int offset = 0;
            while (wire.isReadable()) {
                int len = wire.getUnsignedMedium(wire.readerIndex());
                ObjectNode f = frames.addObject();
                f.put("length", len);
                f.put("flags", wire.getUnsignedByte(wire.readerIndex() + 4));
                f.put("message_offset", offset);
                f.put("header_hex", ByteBufUtil.hexDump(wire, wire.readerIndex(), WireFormat.HEADER_LENGTH));
                wire.skipBytes(WireFormat.HEADER_LENGTH + len);
                offset += len;
            }
        } finally {
            wire.release();
        }
    }
}
