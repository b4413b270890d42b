package io.chainmux.bench.fairness;

import io.chainmux.bench.Workload;
import io.chainmux.bench.grpc.BytesMarshaller;
import io.chainmux.bench.grpc.GrpcContender;
import io.chainmux.bench.traffic.Loops;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * gRPC-java as the {@code grpc} contender sets it up (16 MiB flow-control window, BDP tuning off), one
 * bidi call per chain on one connection. gRPC has no weights between calls. A stalled chain is a call
 * of the {@code Stall} method, whose server side never requests a message (auto-request off), so its
 * bytes stay unread in the call, as behind an application that stopped.
 */
final class GrpcRig implements FairnessRig {
    private static final String SERVICE = "chainmux.bench.Fairness";
    private static final MethodDescriptor<byte[], byte[]> CHAIN = method("Chain");
    private static final MethodDescriptor<byte[], byte[]> STALL = method("Stall");

    private final EventLoopGroup serverGroup;
    private final EventLoopGroup clientGroup;
    private final List<Sender> senders = new ArrayList<>();
    private final List<ClientCallStreamObserver<byte[]>> small = new ArrayList<>();
    private final AtomicLong stalledSent = new AtomicLong();
    private final CallOptions options;
    private Server server;
    private ManagedChannel channel;

    GrpcRig(Sink sink, int streams) throws Exception {
        boolean epoll = Epoll.isAvailable();
        serverGroup = GrpcContender.newGroup("fair-grpc-server", epoll);
        clientGroup = GrpcContender.newGroup("fair-grpc-client", epoll);
        // As the grpc contender: a call may queue about what a channel of the other contenders may.
        options = CallOptions.DEFAULT.withOnReadyThreshold(Math.max(32 * 1024, Loops.WATER_MARK.high() / streams));
        try {
            ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
                    .addMethod(CHAIN, ServerCalls.asyncBidiStreamingCall(responses -> new Receiver(sink)))
                    .addMethod(STALL, ServerCalls.asyncBidiStreamingCall(responses -> {
                        ((ServerCallStreamObserver<byte[]>) responses).disableAutoRequest();
                        return new Receiver(sink);
                    }))
                    .build();
            server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .bossEventLoopGroup(serverGroup).workerEventLoopGroup(serverGroup)
                    .channelType(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .directExecutor().flowControlWindow(GrpcContender.WINDOW)
                    .maxInboundMessageSize(Workload.MAX_MESSAGE_SIZE)
                    .addService(service).build().start();
            channel = NettyChannelBuilder
                    .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort()))
                    .eventLoopGroup(clientGroup)
                    .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .usePlaintext().directExecutor().disableRetry().flowControlWindow(GrpcContender.WINDOW)
                    .build();
        } catch (Throwable t) {
            close();
            throw t;
        }
    }

    private static MethodDescriptor<byte[], byte[]> method(String name) {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(BytesMarshaller.INSTANCE)
                .setResponseMarshaller(BytesMarshaller.INSTANCE)
                .build();
    }

    @Override
    public boolean hasWeights() {
        return false;
    }

    @Override
    public void saturate(int slot, int weight) throws Exception {
        start(CHAIN, Chains.tag(Chains.SATURATING, slot), Long.MAX_VALUE, null).get(10, TimeUnit.SECONDS);
    }

    @Override
    public void openSmall(int count) throws Exception {
        for (int i = 0; i < count; i++) {
            Sender s = start(CHAIN, Chains.tag(Chains.SMALL, i), 0, null);
            small.add(s.get(10, TimeUnit.SECONDS));
        }
    }

    @Override
    public void sendSmall(int chain) {
        byte[] m = new byte[FairnessRun.SMALL_MESSAGE];
        Chains.stamp(m, Chains.tag(Chains.SMALL, chain));
        small.get(chain).onNext(m); // a fresh array: gRPC may still hold the previous one
    }

    @Override
    public void flushSmall() {
        // gRPC flushes each message.
    }

    @Override
    public ScheduledExecutorService ticker() {
        return clientGroup.next();
    }

    @Override
    public void stall(int count, int bytes) throws Exception {
        List<Sender> opening = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            opening.add(start(STALL, Chains.tag(Chains.STALLED, i), bytes, stalledSent));
        }
        for (Sender s : opening) {
            s.get(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public long stallProgress() {
        return stalledSent.get();
    }

    /** Starts a call that sends {@code bytes} in saturating-size messages while gRPC says it is ready. */
    private Sender start(MethodDescriptor<byte[], byte[]> method, int tag, long bytes, AtomicLong counter) {
        Sender s = new Sender(tag, bytes, counter);
        synchronized (senders) {
            senders.add(s);
        }
        ClientCalls.asyncBidiStreamingCall(channel.newCall(method, options), s);
        return s;
    }

    @Override
    public void close() {
        synchronized (senders) {
            senders.forEach(Sender::stop);
        }
        try {
            if (channel != null) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            if (server != null) {
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (EventLoopGroup g : new EventLoopGroup[] {serverGroup, clientGroup}) {
            g.shutdownGracefully(100, 3_000, TimeUnit.MILLISECONDS);
        }
        for (EventLoopGroup g : new EventLoopGroup[] {serverGroup, clientGroup}) {
            g.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Client side of one call: sends its quota while ready; completes once the call is ready the first time. */
    private static final class Sender extends CompletableFuture<ClientCallStreamObserver<byte[]>>
            implements ClientResponseObserver<byte[], byte[]> {
        private final byte[] message = new byte[FairnessRun.SATURATING_MESSAGE];
        private final int tag;
        private final AtomicLong counter;
        private long remaining;
        private ClientCallStreamObserver<byte[]> requests;
        private volatile boolean stopped;

        Sender(int tag, long bytes, AtomicLong counter) {
            this.tag = tag;
            this.remaining = bytes;
            this.counter = counter;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<byte[]> requestStream) {
            requests = requestStream;
            requestStream.setOnReadyHandler(this::pump);
        }

        private void pump() {
            complete(requests);
            while (!stopped && remaining > 0 && requests.isReady()) {
                Chains.stamp(message, tag); // serialised within onNext (retries are off), so reuse is safe
                requests.onNext(message);
                remaining -= message.length;
                if (counter != null) {
                    counter.addAndGet(message.length);
                }
            }
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void onNext(byte[] value) {
            // The server never answers.
        }

        @Override
        public void onError(Throwable t) {
            completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            // Only at shutdown.
        }
    }

    /** Server side of a call: hands each message to the sink. */
    private static final class Receiver implements StreamObserver<byte[]> {
        private final Sink sink;

        Receiver(Sink sink) {
            this.sink = sink;
        }

        @Override
        public void onNext(byte[] m) {
            sink.onMessage(Chains.tag(m), Chains.sentAt(m), m.length);
        }

        @Override
        public void onError(Throwable t) {
            // Calls end with an error when the rig closes.
        }

        @Override
        public void onCompleted() {
            // Not expected before close.
        }
    }
}
