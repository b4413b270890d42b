package io.chainmux.endpoint.identity;

import io.chainmux.config.Internal;
import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.FrameType;
import io.chainmux.wire.FrameWriter;
import io.chainmux.wire.MuxException;
import io.chainmux.wire.WireFormat;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The AUTH payload (frame type 0xA, stream 0; brief section 7): a 64-byte Ed25519 signature by
 * the sender over the transcript
 * <pre>
 * "chainmux-auth-v1" (16 ASCII) | role u8 | signer key (32) | verifier key (32)
 *     | signer nonce (32) | verifier nonce (32) | stripe index u8          = 146 bytes
 * </pre>
 * where role is the signer's {@link Role} code, the keys and nonces come from the two HELLOs, and
 * the stripe index is the one in the <em>dialer's</em> HELLO (the dialer assigns stripes; the
 * listener's HELLO stripe fields are not signed). Both nonces make an AUTH valid for one
 * connection only; the role stops it from being reflected to its signer.
 *
 * <p>Immutable and thread-safe (the signature is copied in and out).
 */
@Internal
public record Auth(byte[] signature) {
    public static final int LENGTH = NodeIdentity.SIGNATURE_LENGTH;
    public static final String CONTEXT = "chainmux-auth-v1";
    public static final int TRANSCRIPT_LENGTH = CONTEXT.length() + 1 + 2 * PeerId.KEY_LENGTH
            + 2 * Hello.NONCE_LENGTH + 1;

    public Auth {
        Objects.requireNonNull(signature, "signature");
        if (signature.length != LENGTH) {
            throw new IllegalArgumentException("an AUTH signature has 64 bytes, got " + signature.length);
        }
        signature = signature.clone();
    }

    /** A copy of the signature. */
    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /**
     * Signs the transcript of this handshake as {@code signer}.
     *
     * @param signerRole    the signer's side of the TCP connection
     * @param signerHello   the HELLO the signer sent (its key must be the signer's)
     * @param verifierHello the HELLO the signer received
     */
    public static Auth sign(NodeIdentity signer, Role signerRole, Hello signerHello, Hello verifierHello) {
        if (!signer.peerId().equals(signerHello.peerId())) {
            throw new IllegalArgumentException("HELLO of " + signerHello.peerId() + " cannot be signed by "
                    + signer.peerId());
        }
        return new Auth(signer.sign(transcript(signerRole, signerHello, verifierHello)));
    }

    /**
     * Whether this AUTH is a valid signature by {@code signerHello}'s key over the transcript.
     *
     * @param signerRole the role the signer must have had: the peer's role, seen from the verifier
     */
    public boolean verify(Role signerRole, Hello signerHello, Hello verifierHello) {
        return NodeIdentity.verify(signerHello.peerId(), transcript(signerRole, signerHello, verifierHello), signature);
    }

    /** The transcript for two HELLOs; the stripe index is the dialer's. */
    public static byte[] transcript(Role signerRole, Hello signerHello, Hello verifierHello) {
        Hello dialerHello = signerRole == Role.DIALER ? signerHello : verifierHello;
        return transcript(signerRole, signerHello.peerId(), verifierHello.peerId(), signerHello.nonceUnsafe(),
                verifierHello.nonceUnsafe(), dialerHello.stripeIndex());
    }

    /** The 146-byte transcript from its parts (layout in the class comment). */
    public static byte[] transcript(Role signerRole, PeerId signer, PeerId verifier, byte[] signerNonce,
                                    byte[] verifierNonce, int stripeIndex) {
        if (signerNonce.length != Hello.NONCE_LENGTH || verifierNonce.length != Hello.NONCE_LENGTH) {
            throw new IllegalArgumentException("nonces must be 32 bytes");
        }
        if (stripeIndex < 0 || stripeIndex > 255) {
            throw new IllegalArgumentException("stripe index " + stripeIndex);
        }
        ByteBuffer t = ByteBuffer.allocate(TRANSCRIPT_LENGTH);
        t.put(CONTEXT.getBytes(StandardCharsets.US_ASCII));
        t.put((byte) signerRole.code);
        t.put(signer.toBytes());
        t.put(verifier.toBytes());
        t.put(signerNonce);
        t.put(verifierNonce);
        t.put((byte) stripeIndex);
        return t.array();
    }

    /** Writes the payload only. */
    public void encode(ByteBuf out) {
        out.writeBytes(signature);
    }

    /** Writes the whole AUTH frame: header (type AUTH, stream 0) and payload. */
    public void writeFrame(ByteBuf out) {
        FrameWriter.writeHeader(out, LENGTH, FrameType.AUTH, 0, WireFormat.CONNECTION_STREAM_ID);
        encode(out);
    }

    /**
     * Decodes an AUTH from all readable bytes of {@code payload}, consuming them. Copies; does not
     * retain or release the buffer.
     *
     * @throws MuxException FRAME_SIZE_ERROR (connection) unless exactly 64 bytes are readable
     */
    public static Auth decode(ByteBuf payload) {
        int length = payload.readableBytes();
        if (length != LENGTH) {
            throw MuxException.connection(ErrorCode.FRAME_SIZE_ERROR, "AUTH payload is %d bytes, must be %d",
                    length, LENGTH);
        }
        byte[] sig = new byte[LENGTH];
        payload.readBytes(sig);
        return new Auth(sig);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Auth a && Arrays.equals(signature, a.signature);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "Auth[" + HexFormat.of().formatHex(signature, 0, 8) + "...]";
    }
}
