package io.chainmux.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on 127.0.0.1 in front of one target, that injects faults between two nodes: it cuts
 * every connection through it with a TCP reset ({@link #cut}), or partitions ({@link #partition}:
 * nothing more is forwarded either way and new connections are held silent, like a link that
 * drops every packet) until {@link #heal}. Plain blocking sockets, two pump threads per
 * connection; everything stops at {@link #close}.
 */
public final class FaultRelay implements AutoCloseable {
    private final ServerSocket server;
    private volatile InetSocketAddress target;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-relay");
        t.setDaemon(true);
        return t;
    });
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Object gate = new Object();
    private volatile boolean partitioned;
    private volatile boolean closed;
    private final AtomicLong forwarded = new AtomicLong();

    public FaultRelay(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    /** Bytes forwarded so far, both directions. */
    public long forwarded() {
        return forwarded.get();
    }

    /** New connections go to {@code target} from now on (a node restarted on another port). */
    public void retarget(InetSocketAddress target) {
        this.target = target;
    }

    /** Resets every connection through the relay now (RST both ways); new connections still pass. */
    public void cut() {
        for (Socket s : sockets) {
            reset(s);
        }
        sockets.clear();
    }

    /** Forwards nothing more, either way, and holds new connections silent, until {@link #heal}. */
    public void partition() {
        partitioned = true;
    }

    /** Ends the partition: connections held silent during it are reset (their peers gave up on them). */
    public void heal() {
        cut();
        synchronized (gate) {
            partitioned = false;
            gate.notifyAll();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket in = server.accept();
                Socket out = new Socket();
                try {
                    out.connect(target, 5_000);
                } catch (IOException e) {
                    reset(in);
                    continue;
                }
                sockets.add(in);
                sockets.add(out);
                threads.execute(() -> pump(in, out));
                threads.execute(() -> pump(out, in));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            while (!closed) {
                awaitNoPartition();
                int n = in.read(buf);
                if (n < 0) {
                    to.shutdownOutput();
                    return;
                }
                awaitNoPartition(); // bytes read during a partition are lost with the connection
                if (from.isClosed()) {
                    return;
                }
                out.write(buf, 0, n);
                forwarded.addAndGet(n);
            }
        } catch (IOException | InterruptedException e) {
            reset(from);
            reset(to);
        }
    }

    private void awaitNoPartition() throws InterruptedException {
        synchronized (gate) {
            while (partitioned && !closed) {
                gate.wait(1_000);
            }
        }
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (SocketException ignored) {
            // already closed
        }
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        heal();
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
