package io.chainmux.wire;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Generates random valid frames of every type, biased toward the edges of each field's range. */
final class RandomFrames {
    private RandomFrames() {}

    private static final ErrorCode[] WIRE_CODES = java.util.Arrays.stream(ErrorCode.values())
            .filter(ErrorCode::onWire).toArray(ErrorCode[]::new);

    /** A frame whose payload fits {@code maxPayload} (payload sizes are kept small when it is small). */
    static Frames.Frame next(Random r, int maxPayload) {
        FrameType type = FrameType.values()[r.nextInt(FrameType.values().length)];
        return next(r, type, maxPayload);
    }

    static Frames.Frame next(Random r, FrameType type, int maxPayload) {
        return switch (type) {
            case DATA -> {
                byte[] p = bytes(r, r.nextInt(Math.min(maxPayload, 2048) + 1));
                int flags = r.nextInt(4);
                if (p.length == 0 && flags == 0) {
                    flags = 1 + r.nextInt(3);
                }
                yield new Frames.Data(streamId(r), flags, Frames.hex(p));
            }
            case OPEN -> new Frames.Open(streamId(r), positive(r), networkId(r));
            case ACCEPT -> new Frames.Accept(streamId(r), positive(r));
            case RESET -> new Frames.Reset(streamId(r), code(r),
                    Frames.hex(bytes(r, r.nextInt(4) == 0 ? r.nextInt(WireFormat.MAX_RESET_DETAIL_LENGTH + 1)
                            : r.nextInt(16))));
            case WINDOW_UPDATE -> new Frames.WindowUpdate(r.nextInt(3) == 0 ? 0 : streamId(r), positive(r));
            case PING -> new Frames.Ping(r.nextBoolean(), r.nextLong());
            case GO_AWAY -> new Frames.GoAway(r.nextInt(4) == 0 ? 0 : streamId(r), code(r), reason(r));
            case SETTINGS -> new Frames.SettingsFrame(settings(r));
            case MAX_STREAMS -> new Frames.MaxStreams(r.nextInt(4) == 0 ? 0 : positive(r));
            case HELLO, AUTH -> new Frames.Handshake(type, Frames.hex(bytes(r, r.nextInt(400))));
        };
    }

    static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    static int streamId(Random r) {
        return positive(r);
    }

    /** A value in [1, 2^31-1], often at an edge. */
    static int positive(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> 1;
            case 1 -> Integer.MAX_VALUE;
            case 2 -> 1 + r.nextInt(100);
            default -> 1 + r.nextInt(Integer.MAX_VALUE);
        };
    }

    static ErrorCode code(Random r) {
        return WIRE_CODES[r.nextInt(WIRE_CODES.length)];
    }

    static String networkId(Random r) {
        int n = r.nextInt(5) == 0 ? WireFormat.MAX_NETWORK_ID_LENGTH : 1 + r.nextInt(40);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) (0x21 + r.nextInt(0x7E - 0x21 + 1)));
        }
        return sb.toString();
    }

    /** A reason that survives encoding unchanged: valid code points, at most 256 UTF-8 bytes. */
    static String reason(Random r) {
        int[] samples = {'a', 'Z', ' ', 0xE9, 0x20AC, 0x1F600, 0x7FF, 0x800, 0xFFFD, 0x10FFFF};
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(120);
        for (int i = 0; i < n; i++) {
            sb.appendCodePoint(samples[r.nextInt(samples.length)]);
        }
        return new String(FrameWriter.truncatedUtf8(sb.toString(), WireFormat.MAX_GO_AWAY_REASON_LENGTH),
                StandardCharsets.UTF_8);
    }

    static Settings settings(Random r) {
        return new Settings(1024 + r.nextInt(WireFormat.MAX_PAYLOAD_LENGTH - 1024 + 1),
                r.nextInt(Integer.MAX_VALUE), r.nextInt(Integer.MAX_VALUE), r.nextInt(Integer.MAX_VALUE),
                positive(r));
    }
}
