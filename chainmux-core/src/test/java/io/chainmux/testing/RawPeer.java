package io.chainmux.testing;

import io.chainmux.endpoint.identity.Auth;
import io.chainmux.endpoint.identity.Hello;
import io.chainmux.endpoint.identity.NodeIdentity;
import io.chainmux.endpoint.identity.Role;
import io.chainmux.wire.ErrorCode;
import io.chainmux.wire.Preamble;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A hostile (or merely independent) peer speaking raw bytes over a plain socket, for tests that
 * check what a node does with frames a well-behaved endpoint would never send. Blocking; every read
 * waits at most the socket timeout given at construction.
 */
public final class RawPeer implements AutoCloseable {
    /** One frame as read from the wire. */
    public record Frame(int type, int flags, int streamId, byte[] payload) {
        public static final int GO_AWAY = 0x6;
        public static final int SETTINGS = 0x7;
        public static final int HELLO = 0x9;
        public static final int AUTH = 0xA;

        /** The error code of a GO_AWAY. */
        public ErrorCode goAwayCode() {
            if (type != GO_AWAY) {
                throw new IllegalStateException("frame type " + type + " is not GO_AWAY");
            }
            int code = ((payload[4] & 0xff) << 24) | ((payload[5] & 0xff) << 16) | ((payload[6] & 0xff) << 8)
                    | (payload[7] & 0xff);
            return ErrorCode.fromWire(code);
        }

        public String goAwayReason() {
            return new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    public RawPeer(Socket socket, int timeoutMillis) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(timeoutMillis);
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static RawPeer connect(InetSocketAddress to, int timeoutMillis) throws IOException {
        return new RawPeer(new Socket(to.getAddress(), to.getPort()), timeoutMillis);
    }

    public Socket socket() {
        return socket;
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public void send(Consumer<ByteBuf> writer) throws IOException {
        ByteBuf b = Unpooled.buffer();
        try {
            writer.accept(b);
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            send(bytes);
        } finally {
            b.release();
        }
    }

    public void sendPreamble() throws IOException {
        send(Preamble.CURRENT::encode);
    }

    /** A HELLO frame with any stripe fields (even ones {@link Hello} would refuse) and address bytes. */
    public void sendHello(NodeIdentity id, byte[] nonce, int stripeIndex, int stripeCount, byte[] address)
            throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int length = Hello.FIXED_LENGTH + address.length;
        b.write(length >>> 16);
        b.write(length >>> 8);
        b.write(length);
        b.write(Frame.HELLO);
        b.write(0);
        b.write(new byte[4], 0, 4);
        b.write(id.peerId().toBytes(), 0, 32);
        b.write(nonce, 0, 32);
        b.write(stripeIndex);
        b.write(stripeCount);
        b.write(address.length);
        b.write(address, 0, address.length);
        send(b.toByteArray());
    }

    public void sendHello(Hello hello) throws IOException {
        send(hello::writeFrame);
    }

    public void sendAuth(NodeIdentity id, Role role, Hello mine, Hello theirs) throws IOException {
        send(Auth.sign(id, role, mine, theirs)::writeFrame);
    }

    /** Reads and checks the 8-byte preamble. */
    public void readPreamble() throws IOException {
        byte[] p = new byte[Preamble.LENGTH];
        in.readFully(p);
        int magic = ((p[0] & 0xff) << 24) | ((p[1] & 0xff) << 16) | ((p[2] & 0xff) << 8) | (p[3] & 0xff);
        if (magic != Preamble.MAGIC) {
            throw new IOException("not a chainmux preamble");
        }
    }

    /** The next frame, or null at end of stream. */
    public Frame readFrame() throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        try {
            int length = (b0 << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            return new Frame(type, flags, stream, payload);
        } catch (EOFException e) {
            return null;
        }
    }

    /** Reads frames until one of {@code type} (returned) or the end of stream (null). */
    public Frame readUntil(int type) throws IOException {
        Frame f;
        while ((f = readFrame()) != null && f.type() != type) {
            // skip
        }
        return f;
    }

    /** Reads the peer's HELLO frame and decodes it. */
    public Hello readHello() throws IOException {
        Frame f = readFrame();
        if (f == null || f.type() != Frame.HELLO) {
            throw new IOException("expected HELLO, got " + f);
        }
        return Hello.decode(Unpooled.wrappedBuffer(f.payload()));
    }

    /** Whether the peer closed the connection: end of stream before the socket timeout. */
    public boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0 || drainToEnd();
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true; // connection reset: closed too
        }
    }

    private boolean drainToEnd() throws IOException {
        byte[] buf = new byte[4096];
        for (int i = 0; i < 1024; i++) {
            if (in.read(buf) < 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
