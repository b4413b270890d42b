package io.chainmux.bench.grpc;

import io.chainmux.bench.Contender;
import io.chainmux.bench.Running;
import io.chainmux.bench.Workload;
import io.chainmux.bench.traffic.Loops;
import io.chainmux.bench.traffic.Meter;
import io.chainmux.bench.traffic.SequenceChecker;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * gRPC-java bidi streaming, one call per stream, over one connection. Event loops are gRPC's shaded
 * Netty (its own epoll), one single-thread group per side. Settings: {@code flowControlWindow(WINDOW)}
 * on both sides (gRPC applies it to each stream and to the connection, and turns BDP auto-tuning off),
 * retries off, and an on-ready threshold of {@code max(32 KiB, 1 MiB / streams)} so a call may queue
 * as much as a channel of the other contenders may (gRPC's default is 32 KiB).
 */
public final class GrpcContender implements Contender {
    public static final String NAME = "grpc";
    public static final int WINDOW = 16 * 1024 * 1024;
    private static final int DEFAULT_ON_READY_THRESHOLD = 32 * 1024;
    private static final String SERVICE = "chainmux.bench.Bench";

    /** gRPC runs calls on its executor threads as well as on the event loops: their CPU is not counted. */
    @Override
    public boolean cpuOnEventLoops() {
        return false;
    }

    static final MethodDescriptor<byte[], byte[]> METHOD = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Stream"))
            .setRequestMarshaller(BytesMarshaller.INSTANCE)
            .setResponseMarshaller(BytesMarshaller.INSTANCE)
            .build();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Running start(Workload w, Meter meter) throws Exception {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup serverGroup = newGroup(NAME + "-server", epoll);
        EventLoopGroup clientGroup = newGroup(NAME + "-client", epoll);
        List<GrpcSender> senders = new ArrayList<>();
        Server[] server = new Server[1];
        ManagedChannel[] channel = new ManagedChannel[1];
        Running running = () -> {
            senders.forEach(GrpcSender::stop);
            try {
                if (channel[0] != null) {
                    channel[0].shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
                if (server[0] != null) {
                    server[0].shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            serverGroup.shutdownGracefully(100, 3_000, TimeUnit.MILLISECONDS);
            clientGroup.shutdownGracefully(100, 3_000, TimeUnit.MILLISECONDS);
            serverGroup.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
            clientGroup.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        };
        try {
            SequenceChecker checker = new SequenceChecker(w.streams());
            ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
                    .addMethod(METHOD, ServerCalls.asyncBidiStreamingCall(
                            responses -> new GrpcReceiver(checker, w.messageSize(), meter)))
                    .build();
            server[0] = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .bossEventLoopGroup(serverGroup)
                    .workerEventLoopGroup(serverGroup)
                    .channelType(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .directExecutor()
                    .flowControlWindow(WINDOW)
                    .maxInboundMessageSize(Workload.MAX_MESSAGE_SIZE)
                    .addService(service)
                    .build()
                    .start();
            channel[0] = NettyChannelBuilder
                    .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), server[0].getPort()))
                    .eventLoopGroup(clientGroup)
                    .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .usePlaintext()
                    .directExecutor()
                    .disableRetry()
                    .flowControlWindow(WINDOW)
                    .build();
            int threshold = Math.max(DEFAULT_ON_READY_THRESHOLD, Loops.WATER_MARK.high() / w.streams());
            CallOptions options = CallOptions.DEFAULT.withOnReadyThreshold(threshold);
            for (int i = 0; i < w.streams(); i++) {
                GrpcSender sender = new GrpcSender(i, w.messageSize(), meter);
                senders.add(sender);
                ClientCalls.asyncBidiStreamingCall(channel[0].newCall(METHOD, options), sender);
            }
            return running;
        } catch (Throwable t) {
            running.close();
            throw t;
        }
    }

    /** A single-thread group of gRPC's shaded Netty, daemon threads named after {@code name}. */
    public static EventLoopGroup newGroup(String name, boolean epoll) {
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name, true), io);
    }
}
