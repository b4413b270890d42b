package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import io.chainmux.broker.SessionContext;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.PeerId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Peer exchange: a small protocol on its own network, {@code _/peers/1}, so a node that knows one
 * bootstrap peer learns the rest. The requester pages through the responder's peer list:
 *
 * <pre>
 * request  (one message, ASCII):  PEERS &lt;offset&gt; &lt;limit&gt; &lt;requester-address | -&gt;
 * response (one message, UTF-8): zero or more lines peer-id@host:port, \n-separated
 * </pre>
 *
 * The responder answers at most {@code min(limit, pageSize)} peers from {@code offset} of its list (peers
 * with at most one successive failure, without the requester, in an order salted per node so nodes
 * list peers differently). The list starts at a point keyed by the requester ({@link #rotation}), so
 * the many new nodes a seed answers learn different peers rather than all the same first ones (which
 * would then fill up and refuse them); it serves at most {@code maxPeers / pageSize + 1} requests per session and
 * ends when the requester closes. The requester's own address (its {@code peer-id@host:port}) lets
 * the responder dial it back; an address carrying another peer id is a misbehaviour. The requester
 * stops after a short page, after {@code maxPeers} peers or {@code maxNewPeers} new ones; it skips
 * itself, duplicates and known peers, and stores the rest through {@link PeerDb#learn}, which refuses
 * addresses no peer should send ({@link AddressScope}: port 0, non-unicast, or narrower than the
 * sender's own address, such as loopback from a remote peer) and holds the sender to its budget of
 * unproven introductions; a malformed page or more entries than asked is a misbehaviour. New peers are not probed here: they
 * are dialed when chosen, and failures prune them.
 */
public final class PeerExchange {
    private static final Logger log = LoggerFactory.getLogger(PeerExchange.class);
    public static final NetworkId NETWORK = NetworkId.of("_", "peers", 1);
    private static final String VERB = "PEERS";

    private final PeerDb peers;
    private final PeerExchangeConfig config;
    private final Supplier<PeerAddress> self;
    private final int salt;

    /**
     * @param self this node's dialable address with its peer id, or a supplier of null when it has none
     */
    public PeerExchange(PeerDb peers, PeerExchangeConfig config, Supplier<PeerAddress> self, int salt) {
        this.peers = peers;
        this.config = config;
        this.self = self;
        this.salt = salt;
    }

    public Session requester() {
        return ctx -> new Fetch(ctx).page();
    }

    public Session responder() {
        return ctx -> serve(ctx, 0);
    }

    // ------------------------------------------------------------------ requester

    private final class Fetch {
        final SessionContext ctx;
        final Set<PeerId> seen = new HashSet<>();
        int offset;
        int added;

        Fetch(SessionContext ctx) {
            this.ctx = ctx;
        }

        CompletionStage<SessionOutcome> page() {
            PeerAddress me = self.get();
            String request = VERB + " " + offset + " " + config.pageSize() + " " + (me == null ? "-" : me.toString());
            return ctx.send(ascii(request)).thenCompose(v -> ctx.receive()).thenCompose(this::onPage);
        }

        private CompletionStage<SessionOutcome> onPage(ByteBuf message) {
            List<String> lines;
            try {
                lines = lines(message);
            } finally {
                message.release();
            }
            if (lines.size() > config.pageSize()) {
                return done(SessionOutcome.misbehaved("peer exchange page of " + lines.size() + " entries, asked for "
                        + config.pageSize()));
            }
            InetAddress from = remoteIp(ctx);
            for (String line : lines) {
                PeerAddress a;
                try {
                    a = PeerAddress.parse(line);
                } catch (IllegalArgumentException e) {
                    return done(SessionOutcome.misbehaved("malformed peer exchange entry: " + e.getMessage()));
                }
                PeerId id = a.expectedPeer();
                if (id == null) {
                    return done(SessionOutcome.misbehaved("peer exchange entry without peer id: " + line));
                }
                if (id.equals(peers.self()) || !seen.add(id) || peers.contains(id)) {
                    continue;
                }
                if (added < config.maxNewPeers()) {
                    PeerDb.Learned learned = peers.learn(a, ctx.peer(), from); // scope, source budget, room
                    if (learned == PeerDb.Learned.ADDED) {
                        added++;
                    } else {
                        log.debug("peer exchange from {}: not storing {}: {}", ctx.peer().shortForm(), a, learned);
                    }
                }
            }
            offset += lines.size();
            if (lines.size() < config.pageSize() || offset >= config.maxPeers() || added >= config.maxNewPeers()) {
                return done(SessionOutcome.ok());
            }
            return page();
        }
    }

    private static InetAddress remoteIp(SessionContext ctx) {
        InetSocketAddress remote = ctx.remoteAddress();
        return remote == null ? null : remote.getAddress();
    }

    // ------------------------------------------------------------------ responder

    private CompletionStage<SessionOutcome> serve(SessionContext ctx, int served) {
        return ctx.receive().handle((message, failure) -> {
            if (failure != null) {
                return done(served > 0 ? SessionOutcome.ok() : SessionOutcome.failed("no peer exchange request"));
            }
            String text;
            try {
                text = message.toString(StandardCharsets.US_ASCII);
            } finally {
                message.release();
            }
            if (served >= config.maxPeers() / config.pageSize() + 1) {
                return done(SessionOutcome.misbehaved("more than " + served + " peer exchange requests in one session"));
            }
            String[] f = text.split(" ");
            int offset;
            int limit;
            try {
                if (f.length != 4 || !f[0].equals(VERB)) {
                    throw new IllegalArgumentException("expected 'PEERS offset limit address'");
                }
                offset = Integer.parseInt(f[1]);
                limit = Integer.parseInt(f[2]);
                if (offset < 0 || limit < 0) {
                    throw new IllegalArgumentException("negative offset or limit");
                }
                if (!f[3].equals("-")) {
                    PeerAddress a = PeerAddress.parse(f[3]);
                    if (!ctx.peer().equals(a.expectedPeer())) {
                        throw new IllegalArgumentException("address " + f[3] + " is not the requester's");
                    }
                    peers.learn(a, ctx.peer(), remoteIp(ctx)); // its own address: checked like any other
                }
            } catch (IllegalArgumentException e) {
                return done(SessionOutcome.misbehaved("malformed peer exchange request: " + e.getMessage()));
            }
            return ctx.send(utf8(page(ctx.peer(), offset, Math.min(limit, config.pageSize()))))
                    .thenCompose(v -> serve(ctx, served + 1));
        }).thenCompose(s -> s);
    }

    private String page(PeerId requester, int offset, int limit) {
        List<PeerInfo> list = new ArrayList<>();
        for (PeerInfo p : peers.snapshot()) {
            if (p.successiveFailures() <= 1 && !p.id().equals(requester)) {
                list.add(p);
            }
        }
        list.sort((a, b) -> {
            int c = Integer.compare(a.id().hashCode() ^ salt, b.id().hashCode() ^ salt);
            return c != 0 ? c : a.id().compareTo(b.id());
        });
        int start = rotation(requester, salt, list.size());
        StringBuilder sb = new StringBuilder();
        for (int i = offset; i < list.size() && i < (long) offset + limit; i++) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(list.get((start + i) % list.size()).address());
        }
        return sb.toString();
    }

    /**
     * Where a responder salted {@code salt} starts its list of {@code size} peers for {@code requester}:
     * the same point on every page of one exchange (so paging walks the list once), a different one for
     * each requester. A requester choosing its id only chooses which honest entries it reads first.
     * Public for the benchmark module's simulator, which models the exchange with it.
     */
    public static int rotation(PeerId requester, int salt, int size) {
        if (size <= 0) {
            return 0;
        }
        long h = (requester.hashCode() * 0x9E3779B97F4A7C15L) ^ ((long) salt << 32 | (salt & 0xffffffffL));
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 29;
        return (int) Math.floorMod(h, (long) size);
    }

    private static List<String> lines(ByteBuf m) {
        List<String> out = new ArrayList<>();
        if (m.readableBytes() == 0) {
            return out;
        }
        for (String l : m.toString(StandardCharsets.UTF_8).split("\n")) {
            out.add(l);
        }
        return out;
    }

    private static CompletionStage<SessionOutcome> done(SessionOutcome o) {
        return CompletableFuture.completedStage(o);
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static ByteBuf utf8(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }
}
