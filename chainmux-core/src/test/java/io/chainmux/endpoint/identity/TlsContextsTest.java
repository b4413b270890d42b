package io.chainmux.endpoint.identity;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TlsContextsTest {
    private static final long TIMEOUT_SECONDS = 20;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Expected TLS failures end here instead of being logged as unhandled by the pipeline tail. */
    private static final class CloseOnError extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** A server and client channel over loopback TCP, each with its TLS handler. */
    private record Pair(Channel server, SslHandler serverTls, Channel client, SslHandler clientTls,
                        Channel listener) implements AutoCloseable {
        @Override
        public void close() {
            for (Channel ch : new Channel[] {client, server, listener}) {
                assertThat(ch.close().awaitUninterruptibly(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    private static Pair connect(SslContext serverCtx, SslContext clientCtx) throws Exception {
        // The handlers are captured at init: a refused handshake closes the channel, which empties its
        // pipeline, so looking them up afterwards races with the failure (and returned null).
        CompletableFuture<SocketChannel> accepted = new CompletableFuture<>();
        CompletableFuture<SslHandler> serverTls = new CompletableFuture<>();
        CompletableFuture<SslHandler> clientTls = new CompletableFuture<>();
        Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler tls = serverCtx.newHandler(ch.alloc());
                        ch.pipeline().addLast(tls, new CloseOnError());
                        serverTls.complete(tls);
                        accepted.complete(ch);
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        Channel client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler tls = clientCtx.newHandler(ch.alloc());
                        ch.pipeline().addLast(tls, new CloseOnError());
                        clientTls.complete(tls);
                    }
                })
                .connect(listener.localAddress()).sync().channel();
        SocketChannel server = accepted.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return new Pair(server, serverTls.get(TIMEOUT_SECONDS, TimeUnit.SECONDS), client,
                clientTls.get(TIMEOUT_SECONDS, TimeUnit.SECONDS), listener);
    }

    private static Channel await(Future<Channel> f) throws Exception {
        return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void mutualTls13HandshakeWithEd25519Certificates() throws Exception {
        NodeIdentity a = NodeIdentity.generate();
        NodeIdentity b = NodeIdentity.generate();
        TlsContexts tlsA = TlsContexts.create(a);
        TlsContexts tlsB = TlsContexts.create(b);
        try (Pair p = connect(tlsA.server(), tlsB.client())) {
            await(p.serverTls().handshakeFuture());
            await(p.clientTls().handshakeFuture());
            assertThat(TlsContexts.peerId(p.serverTls())).isEqualTo(b.peerId());
            assertThat(TlsContexts.peerId(p.clientTls())).isEqualTo(a.peerId());
            SSLSession session = p.clientTls().engine().getSession();
            assertThat(session.getProtocol()).isEqualTo("TLSv1.3");
            assertThat(((X509Certificate) session.getLocalCertificates()[0]).getPublicKey())
                    .isEqualTo(b.publicKey());
        }
    }

    private static SslContextBuilder jdkTls13(SslContextBuilder b) {
        return b.sslProvider(SslProvider.JDK).protocols(TlsContexts.PROTOCOL)
                .trustManager(new Ed25519TrustManager(Clock.systemUTC()));
    }

    /** The server refuses the handshake; the client, which may already consider it done (TLS 1.3), is closed. */
    private static void assertServerRefuses(Pair p, String reason) throws Exception {
        assertThatThrownBy(() -> await(p.serverTls().handshakeFuture()))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SSLHandshakeException.class)
                .hasStackTraceContaining(reason);
        p.client().closeFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(p.client().isActive()).isFalse();
    }

    @Test
    void serverRefusesClientWithoutCertificate() throws Exception {
        TlsContexts server = TlsContexts.create(NodeIdentity.generate());
        SslContext noCertClient = jdkTls13(SslContextBuilder.forClient()).endpointIdentificationAlgorithm(null).build();
        try (Pair p = connect(server.server(), noCertClient)) {
            assertServerRefuses(p, "certificate");
        }
    }

    @Test
    void serverRefusesClientWithEcCertificate() throws Exception {
        TlsContexts server = TlsContexts.create(NodeIdentity.generate());
        KeyPair ec = SelfSignedCertificateTest.ecKeyPair();
        SslContext ecClient = jdkTls13(SslContextBuilder.forClient())
                .keyManager(ec.getPrivate(), SelfSignedCertificateTest.ecCertificate(ec))
                .endpointIdentificationAlgorithm(null).build();
        try (Pair p = connect(server.server(), ecClient)) {
            assertServerRefuses(p, "requires an Ed25519 key");
        }
    }

    @Test
    void clientRefusesServerWithEcCertificate() throws Exception {
        TlsContexts client = TlsContexts.create(NodeIdentity.generate());
        KeyPair ec = SelfSignedCertificateTest.ecKeyPair();
        SslContext ecServer = jdkTls13(SslContextBuilder.forServer(ec.getPrivate(),
                SelfSignedCertificateTest.ecCertificate(ec))).build();
        try (Pair p = connect(ecServer, client.client())) {
            assertThatThrownBy(() -> await(p.clientTls().handshakeFuture()))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SSLHandshakeException.class)
                    .hasStackTraceContaining("requires an Ed25519 key");
            assertThatThrownBy(() -> await(p.serverTls().handshakeFuture())).isInstanceOf(ExecutionException.class);
        }
    }

    @Test
    void serverRefusesTls12() throws Exception {
        NodeIdentity a = NodeIdentity.generate();
        TlsContexts server = TlsContexts.create(NodeIdentity.generate());
        X509Certificate cert = SelfSignedCertificate.create(a);
        SslContext tls12Client = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols("TLSv1.2")
                .keyManager(a.privateKey(), cert).trustManager(new Ed25519TrustManager(Clock.systemUTC()))
                .endpointIdentificationAlgorithm(null).build();
        try (Pair p = connect(server.server(), tls12Client)) {
            assertThatThrownBy(() -> await(p.serverTls().handshakeFuture()))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SSLHandshakeException.class);
            assertThatThrownBy(() -> await(p.clientTls().handshakeFuture())).isInstanceOf(ExecutionException.class);
        }
    }

    @Test
    void peerIdBeforeHandshakeIsAnIllegalState() throws Exception {
        TlsContexts tls = TlsContexts.create(NodeIdentity.generate());
        SSLEngine engine = tls.client().newEngine(ByteBufAllocator.DEFAULT);
        try {
            assertThatThrownBy(() -> TlsContexts.peerId(engine.getSession()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not authenticated");
        } finally {
            ReferenceCountUtil.release(engine);
        }
    }

    @Test
    void contextsUseOnlyTls13AndThePresentedCertificateIsTheNodeKey() throws Exception {
        NodeIdentity a = NodeIdentity.generate();
        TlsContexts tls = TlsContexts.create(a);
        assertThat(PeerId.fromPublicKey(tls.certificate().getPublicKey())).isEqualTo(a.peerId());
        for (SslContext ctx : new SslContext[] {tls.server(), tls.client()}) {
            SSLEngine engine = ctx.newEngine(ByteBufAllocator.DEFAULT);
            try {
                assertThat(engine.getEnabledProtocols()).containsExactly("TLSv1.3");
            } finally {
                ReferenceCountUtil.release(engine);
            }
        }
        SSLEngine serverEngine = tls.server().newEngine(ByteBufAllocator.DEFAULT);
        assertThat(serverEngine.getNeedClientAuth()).isTrue();
        ReferenceCountUtil.release(serverEngine);
    }

    @Test
    void expiredPeerCertificateIsRefused() throws Exception {
        NodeIdentity a = NodeIdentity.generate();
        TlsContexts server = TlsContexts.create(NodeIdentity.generate());
        Instant now = Instant.now();
        X509Certificate expired = SelfSignedCertificate.build(a.publicKey(), a.privateKey(),
                SelfSignedCertificateTest.ED25519, "Ed25519", a.peerId().toString(),
                now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)), BigInteger.ONE);
        SslContext client = jdkTls13(SslContextBuilder.forClient()).keyManager(a.privateKey(), expired)
                .endpointIdentificationAlgorithm(null).build();
        try (Pair p = connect(server.server(), client)) {
            assertServerRefuses(p, "expired");
        }
    }
}
