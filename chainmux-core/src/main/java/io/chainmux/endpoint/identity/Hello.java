package io.chainmux.endpoint.identity;

import io.chainmux.config.Internal;
import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.MuxException;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.util.NetUtil;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The HELLO payload (frame type 0x9, stream 0; brief section 7), all integers unsigned:
 * <pre>
 * +-------------------+----------------+--------------+--------------+-------------+--------------------+
 * | public key (32)   | nonce (32)     | stripe index | stripe count | address len | address (0..255)   |
 * |                   |                | u8           | u8 (>= 1)    | u8          | ASCII "host:port"  |
 * +-------------------+----------------+--------------+--------------+-------------+--------------------+
 * </pre>
 * The stripe index is below the stripe count. The advertised address is empty (nothing to
 * advertise) or a usable {@code host:port} (docs/PROTOCOL.md section 4.10): a host name or IPv4
 * address of letters, digits, '-' and '.', or an IPv6 address in brackets; port 1-65535. A decoder
 * ignores an address that is not usable (it reads as empty): the address is an unauthenticated
 * hint, not a reason to fail the handshake.
 *
 * <p>Immutable and thread-safe (the nonce is copied in and out).
 */
@Internal
public record Hello(PeerId peerId, byte[] nonce, int stripeIndex, int stripeCount, String advertisedAddress) {
    public static final int NONCE_LENGTH = 32;
    /** Everything but the address: key, nonce, stripe index, stripe count, address length. */
    public static final int FIXED_LENGTH = PeerId.KEY_LENGTH + NONCE_LENGTH + 3;
    public static final int MAX_ADDRESS_LENGTH = 255;
    public static final int MAX_STRIPE_COUNT = 255;
    /**
     * Stripe index of a dialer's unstriped connection (with stripe count 0): outside the stripe table,
     * it carries one stream and closes when that ends (the unshared mode).
     */
    public static final int UNSTRIPED_INDEX = 255;

    /**
     * @throws IllegalArgumentException for values the wire cannot carry or the decoder would refuse
     */
    public Hello {
        Objects.requireNonNull(peerId, "peerId");
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(advertisedAddress, "advertisedAddress");
        if (nonce.length != NONCE_LENGTH) {
            throw new IllegalArgumentException("nonce must be 32 bytes, got " + nonce.length);
        }
        String problem = stripeProblem(stripeIndex, stripeCount);
        if (problem == null) {
            problem = addressProblem(advertisedAddress);
        }
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        nonce = nonce.clone();
    }

    /** This node's HELLO with a fresh random nonce. */
    public static Hello create(NodeIdentity identity, int stripeIndex, int stripeCount, String advertisedAddress) {
        byte[] nonce = new byte[NONCE_LENGTH];
        NodeIdentity.RANDOM.nextBytes(nonce);
        return new Hello(identity.peerId(), nonce, stripeIndex, stripeCount, advertisedAddress);
    }

    /** A copy of the nonce. */
    @Override
    public byte[] nonce() {
        return nonce.clone();
    }

    /** Package-private, no copy: the transcript reads it. */
    byte[] nonceUnsafe() {
        return nonce;
    }

    /** Payload length: {@value #FIXED_LENGTH} plus the address. */
    public int encodedLength() {
        return FIXED_LENGTH + advertisedAddress.length();
    }

    /** Writes the payload only. */
    public void encode(ByteBuf out) {
        out.writeBytes(peerId.toBytes());
        out.writeBytes(nonce);
        out.writeByte(stripeIndex);
        out.writeByte(stripeCount);
        out.writeByte(advertisedAddress.length());
        out.writeCharSequence(advertisedAddress, StandardCharsets.US_ASCII);
    }

    /** Writes the whole HELLO frame: header (type HELLO, stream 0) and payload. */
    public void writeFrame(ByteBuf out) {
        FrameWriter.writeHeader(out, encodedLength(), FrameType.HELLO, 0, WireFormat.CONNECTION_STREAM_ID);
        encode(out);
    }

    /**
     * Decodes a HELLO from all readable bytes of {@code payload} (the frame payload), consuming them.
     * Copies what it keeps; does not retain or release the buffer.
     *
     * @throws MuxException a connection error: FRAME_SIZE_ERROR if the length does not match the
     *                      address length, HANDSHAKE_FAILED for stripe fields out of range (an
     *                      unusable address is not an error: it decodes as empty)
     */
    public static Hello decode(ByteBuf payload) {
        int start = payload.readerIndex();
        int length = payload.readableBytes();
        if (length < FIXED_LENGTH) {
            throw MuxException.connection(ErrorCode.FRAME_SIZE_ERROR,
                    "HELLO payload is %d bytes, at least %d required", length, FIXED_LENGTH);
        }
        int addressLength = payload.getUnsignedByte(start + FIXED_LENGTH - 1);
        if (length != FIXED_LENGTH + addressLength) {
            throw MuxException.connection(ErrorCode.FRAME_SIZE_ERROR,
                    "HELLO payload is %d bytes, but its address length %d makes it %d", length, addressLength,
                    FIXED_LENGTH + addressLength);
        }
        byte[] key = new byte[PeerId.KEY_LENGTH];
        byte[] nonce = new byte[NONCE_LENGTH];
        payload.getBytes(start, key);
        payload.getBytes(start + PeerId.KEY_LENGTH, nonce);
        int stripeIndex = payload.getUnsignedByte(start + PeerId.KEY_LENGTH + NONCE_LENGTH);
        int stripeCount = payload.getUnsignedByte(start + PeerId.KEY_LENGTH + NONCE_LENGTH + 1);
        String problem = stripeProblem(stripeIndex, stripeCount);
        if (problem != null) {
            throw MuxException.connection(ErrorCode.HANDSHAKE_FAILED, "HELLO %s", problem);
        }
        payload.readerIndex(start + length);
        String address = usableAddress(payload, start + FIXED_LENGTH, addressLength);
        return new Hello(PeerId.of(key), nonce, stripeIndex, stripeCount, address);
    }

    /** The advertised address at {@code offset}, or "" if it is not a usable {@code host:port}. */
    private static String usableAddress(ByteBuf payload, int offset, int length) {
        for (int i = 0; i < length; i++) {
            int b = payload.getUnsignedByte(offset + i);
            if (b < 0x21 || b > 0x7E) {
                return "";
            }
        }
        String address = payload.toString(offset, length, StandardCharsets.US_ASCII);
        return addressProblem(address) == null ? address : "";
    }

    /** The problem with a stripe index and count, or null if they are valid. */
    static String stripeProblem(int index, int count) {
        if (index == 0 && count == 0) {
            return null; // the listener's HELLO: no stripe information (docs/PROTOCOL.md section 5)
        }
        if (index == UNSTRIPED_INDEX && count == 0) {
            return null; // a dialer's unstriped connection: one stream, no stripe table
        }
        if (count < 1 || count > MAX_STRIPE_COUNT) {
            return "stripe count " + count + " not in [1, " + MAX_STRIPE_COUNT + "]";
        }
        if (index < 0 || index >= count) {
            return "stripe index " + index + " not in [0, " + (count - 1) + "] for stripe count " + count;
        }
        return null;
    }

    /** Whether this is a dialer's unstriped connection ({@link #UNSTRIPED_INDEX}, count 0). */
    public boolean unstriped() {
        return stripeIndex == UNSTRIPED_INDEX && stripeCount == 0;
    }

    /** The problem with an advertised address, or null if it is empty or a valid {@code host:port}. */
    static String addressProblem(String address) {
        if (address.isEmpty()) {
            return null;
        }
        String quoted = "advertised address '" + address + "'";
        if (address.length() > MAX_ADDRESS_LENGTH) {
            return "advertised address of " + address.length() + " characters exceeds " + MAX_ADDRESS_LENGTH;
        }
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                return String.format("advertised address has character 0x%02x at %d; only printable ASCII"
                        + " is allowed", (int) c, i);
            }
        }
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            return quoted + " is not host:port";
        }
        String host = address.substring(0, colon);
        boolean bracketed = host.length() > 2 && host.startsWith("[") && host.endsWith("]");
        boolean valid = bracketed
                ? NetUtil.isValidIpV6Address(host.substring(1, host.length() - 1))
                : host.chars().allMatch(ch -> ch == '-' || ch == '.' || (ch >= '0' && ch <= '9')
                        || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'));
        if (!valid) {
            return quoted + ": host must be a name or IPv4 address (letters, digits, '-', '.') or an IPv6"
                    + " address in brackets (e.g. [::1]:4000)";
        }
        String port = address.substring(colon + 1);
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(ch -> ch >= '0' && ch <= '9')
                || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            return quoted + ": port must be 1-65535";
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hello h && peerId.equals(h.peerId) && Arrays.equals(nonce, h.nonce)
                && stripeIndex == h.stripeIndex && stripeCount == h.stripeCount
                && advertisedAddress.equals(h.advertisedAddress);
    }

    @Override
    public int hashCode() {
        return Objects.hash(peerId, Arrays.hashCode(nonce), stripeIndex, stripeCount, advertisedAddress);
    }

    @Override
    public String toString() {
        return "Hello[" + peerId + ", nonce " + HexFormat.of().formatHex(nonce, 0, 4) + "..., stripe "
                + stripeIndex + "/" + stripeCount + ", address '" + advertisedAddress + "']";
    }
}
