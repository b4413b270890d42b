package io.chainmux.endpoint.identity;

import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.MuxException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Feeds random, truncated, extended and mutated payloads to the HELLO and AUTH decoders (directly
 * and through {@link HandshakeVerifier}). Each input must either decode, consuming exactly the
 * payload and re-encoding to the same bytes, or throw the documented exception; nothing else,
 * and the input buffer is neither retained nor released by the decoder.
 *
 * <p>Deterministic: a fixed seed, overridable with {@code -Dchainmux.fuzz.seed=N} to replay; the
 * seed and the failing input are in every failure message. Bounded by count and by time.
 */
class HandshakeDecoderFuzzTest {
    private static final long SEED = Long.getLong("chainmux.fuzz.seed", 0x5EED_C0DE_2026L);
    private static final int ITERATIONS = 10_000;
    private static final long TIME_LIMIT_NANOS = 30_000_000_000L;
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private final NodeIdentity a = NodeIdentity.generate();
    private final NodeIdentity b = NodeIdentity.generate();

    @Test
    void helloDecoderEitherDecodesOrThrowsMuxException() {
        Random random = new Random(SEED);
        byte[][] seeds = {
                encode(Hello.create(a, 0, 1, "")),
                encode(Hello.create(a, 3, 7, "127.0.0.1:4000")),
                encode(Hello.create(a, 254, 255, "[2001:db8::1]:65535")),
                encode(Hello.create(a, 0, 1, "h".repeat(249) + ":4000")),
        };
        int decoded = run(random, seeds, Hello.FIXED_LENGTH + 300, payload -> {
            byte[] input = new byte[payload.readableBytes()];
            payload.getBytes(payload.readerIndex(), input);
            Hello hello = Hello.decode(payload);
            if (hello.advertisedAddress().isEmpty() && input[Hello.FIXED_LENGTH - 1] != 0) {
                // an unusable address is ignored (reads as none): the rest must still round-trip
                byte[] rest = Arrays.copyOf(input, Hello.FIXED_LENGTH);
                rest[Hello.FIXED_LENGTH - 1] = 0;
                assertThat(encode(hello)).isEqualTo(rest);
                return input;
            }
            return encode(hello);
        });
        assertThat(decoded).as("seed %d: some inputs must decode", SEED).isPositive();
    }

    @Test
    void authDecoderEitherDecodesOrThrowsMuxException() {
        Random random = new Random(SEED + 1);
        byte[][] seeds = {encode(Auth.sign(a, Role.DIALER, Hello.create(a, 0, 1, ""), Hello.create(b, 0, 1, "")))};
        int decoded = run(random, seeds, 2 * Auth.LENGTH, payload -> {
            Auth auth = Auth.decode(payload);
            byte[] out = new byte[Auth.LENGTH];
            ByteBuf buf = Unpooled.wrappedBuffer(out).writerIndex(0);
            auth.encode(buf);
            return out;
        });
        assertThat(decoded).as("seed %d: some inputs must decode", SEED).isPositive();
    }

    @Test
    void verifierEitherAcceptsOrThrowsHandshakeException() {
        Random random = new Random(SEED + 2);
        byte[][] seeds = {encode(Hello.create(b, 0, 1, "10.1.2.3:9")), encode(Hello.create(a, 0, 1, ""))};
        long deadline = System.nanoTime() + TIME_LIMIT_NANOS;
        int accepted = 0;
        for (int i = 0; i < ITERATIONS / 4 && System.nanoTime() < deadline; i++) {
            byte[] input = input(random, seeds, Hello.FIXED_LENGTH + 300);
            HandshakeVerifier v = new HandshakeVerifier(a, Role.LISTENER, Hello.create(a, 0, 1, ""), null, null);
            ByteBuf buf = buffer(random, input);
            try {
                Auth auth = v.onPeerHello(buf);
                assertThat(auth).isNotNull();
                accepted++;
                // The follow-up AUTH: random bytes must be refused, never crash.
                byte[] authInput = input(random, new byte[][] {new byte[Auth.LENGTH]}, 2 * Auth.LENGTH);
                ByteBuf authBuf = buffer(random, authInput);
                try {
                    v.onPeerAuth(authBuf);
                    fail("seed %d iteration %d: random AUTH %s verified", SEED, i, hex(authInput));
                } catch (HandshakeException expected) {
                    assertThat(expected.reason()).isIn(HandshakeException.Reason.MALFORMED,
                            HandshakeException.Reason.BAD_SIGNATURE);
                } finally {
                    assertThat(authBuf.release()).isTrue();
                }
            } catch (HandshakeException expected) {
                assertThat(expected.reason()).isIn(HandshakeException.Reason.MALFORMED,
                        HandshakeException.Reason.SELF_DIAL);
            } catch (RuntimeException | Error e) {
                if (e instanceof AssertionError ae && ae.getMessage() != null && ae.getMessage().startsWith("seed")) {
                    throw ae;
                }
                throw new AssertionError("seed " + SEED + " iteration " + i + ": input " + hex(input)
                        + " threw " + e, e);
            } finally {
                assertThat(buf.refCnt()).as("seed %d iteration %d: decoder changed refCnt", SEED, i).isEqualTo(1);
                buf.release();
            }
        }
        assertThat(accepted).as("seed %d: some HELLOs must be accepted", SEED).isPositive();
    }

    /**
     * Decodes {@link #ITERATIONS} generated inputs; returns how many decoded. A successful decode
     * must consume the payload and re-encode to the same bytes.
     */
    private int run(Random random, byte[][] seeds, int maxLength, Function<ByteBuf, byte[]> decodeAndReencode) {
        long deadline = System.nanoTime() + TIME_LIMIT_NANOS;
        int decoded = 0;
        int i = 0;
        for (; i < ITERATIONS && System.nanoTime() < deadline; i++) {
            byte[] input = input(random, seeds, maxLength);
            ByteBuf buf = buffer(random, input);
            try {
                byte[] reencoded = decodeAndReencode.apply(buf);
                decoded++;
                if (buf.isReadable() || !Arrays.equals(reencoded, input)) {
                    fail("seed %d iteration %d: input %s decoded but %d bytes were left or it re-encoded as %s",
                            SEED, i, hex(input), buf.readableBytes(), hex(reencoded));
                }
            } catch (MuxException e) {
                if (!e.isConnectionError()
                        || (e.code() != ErrorCode.FRAME_SIZE_ERROR && e.code() != ErrorCode.PROTOCOL_ERROR
                        && e.code() != ErrorCode.HANDSHAKE_FAILED)) {
                    fail("seed %d iteration %d: input %s gave an unexpected error %s", SEED, i, hex(input), e);
                }
            } catch (RuntimeException | Error e) {
                if (e instanceof AssertionError ae && ae.getMessage() != null && ae.getMessage().startsWith("seed")) {
                    throw ae;
                }
                throw new AssertionError("seed " + SEED + " iteration " + i + ": input " + hex(input)
                        + " threw " + e + " instead of MuxException", e);
            } finally {
                if (buf.refCnt() != 1) {
                    fail("seed %d iteration %d: decoder changed refCnt to %d", SEED, i, buf.refCnt());
                }
                buf.release();
            }
        }
        assertThat(i).as("seed %d: ran out of time after %d iterations", SEED, i).isGreaterThan(ITERATIONS / 10);
        return decoded;
    }

    /** Random bytes, or a valid payload truncated, extended, or with a few bytes mutated. */
    private static byte[] input(Random random, byte[][] seeds, int maxLength) {
        byte[] seed = seeds[random.nextInt(seeds.length)];
        switch (random.nextInt(5)) {
            case 0 -> {
                byte[] r = new byte[random.nextInt(maxLength + 1)];
                random.nextBytes(r);
                return r;
            }
            case 1 -> {
                return Arrays.copyOf(seed, random.nextInt(seed.length + 1));
            }
            case 2 -> {
                byte[] longer = Arrays.copyOf(seed, seed.length + 1 + random.nextInt(8));
                for (int i = seed.length; i < longer.length; i++) {
                    longer[i] = (byte) random.nextInt(256);
                }
                return longer;
            }
            case 3 -> {
                return seed.clone(); // valid: must decode
            }
            default -> {
                byte[] mutated = seed.clone();
                for (int n = 1 + random.nextInt(3); n > 0 && mutated.length > 0; n--) {
                    // Bias toward the structured tail (stripes, address length, address).
                    int at = random.nextBoolean() && mutated.length > 64
                            ? 64 + random.nextInt(mutated.length - 64) : random.nextInt(mutated.length);
                    mutated[at] = (byte) random.nextInt(256);
                }
                return mutated;
            }
        }
    }

    /**
     * A pooled buffer, heap or direct, whose readable bytes are exactly {@code input}, starting at a
     * random offset and followed by junk beyond the writer index: decoders must use relative bounds.
     */
    private static ByteBuf buffer(Random random, byte[] input) {
        int offset = random.nextInt(16);
        ByteBuf buf = random.nextBoolean() ? ALLOC.heapBuffer(offset + input.length + 16)
                : ALLOC.directBuffer(offset + input.length + 16);
        byte[] junk = new byte[offset + input.length + 16];
        random.nextBytes(junk);
        buf.writeBytes(junk);
        buf.setBytes(offset, input);
        buf.readerIndex(offset).writerIndex(offset + input.length);
        return buf;
    }

    private static byte[] encode(Hello hello) {
        ByteBuf buf = Unpooled.buffer();
        try {
            hello.encode(buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private static byte[] encode(Auth auth) {
        return auth.signature();
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
