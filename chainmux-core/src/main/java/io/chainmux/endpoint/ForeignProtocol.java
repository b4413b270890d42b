package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.HandshakeException;
import io.chainmux.endpoint.identity.HandshakeException.Reason;
import io.chainmux.wire.Preamble;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Names what a peer speaks when its first bytes are not a chainmux preamble, so an operator reads
 * "the peer has tls on" or "this is an HTTP port" instead of a hex dump.
 */
final class ForeignProtocol {
    /** The GO_AWAY reason a TLS listener sends a plaintext dialer (both sides' logs name the mismatch). */
    static final String TLS_REQUIRED = "TLS required: the listening node has tls on, the dialer tls off";

    private static final int TLS_HANDSHAKE_RECORD = 0x16;
    private static final int TLS_MAJOR_VERSION = 0x03;
    private static final String[] HTTP_STARTS = {"HTTP", "GET ", "POST", "HEAD", "PUT "};

    private ForeignProtocol() {}

    /**
     * The failure for bytes that are not a chainmux preamble but recognisably something else, or
     * null (a preamble, too few bytes to tell, or unknown bytes: the preamble decoder reports those).
     */
    static HandshakeException recognize(ByteBuf in, boolean tls) {
        int at = in.readerIndex();
        if (in.readableBytes() < 4 || in.getInt(at) == Preamble.MAGIC) {
            return null;
        }
        if (!tls && in.getUnsignedByte(at) == TLS_HANDSHAKE_RECORD && in.getUnsignedByte(at + 1) == TLS_MAJOR_VERSION) {
            return HandshakeException.of(Reason.TLS_MISMATCH, "the peer speaks TLS: it has tls on, this node has tls off");
        }
        String start = in.toString(at, 4, StandardCharsets.US_ASCII);
        for (String http : HTTP_STARTS) {
            if (start.equals(http)) {
                return HandshakeException.of(Reason.NOT_CHAINMUX, "the peer speaks HTTP, not chainmux (a metrics or web port?)");
            }
        }
        return null;
    }

    static boolean isTlsMismatch(String goAwayReason) {
        return goAwayReason != null && goAwayReason.startsWith(TLS_REQUIRED);
    }
}
