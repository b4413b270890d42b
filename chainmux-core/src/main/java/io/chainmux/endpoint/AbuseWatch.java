package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.mux.Budget;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxConfig;
import io.chainmux.mux.MuxConnection;
import io.chainmux.mux.RateLimit;
import io.chainmux.wire.ErrorCode;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.chainmux.endpoint.Endpoint.log;

/**
 * An endpoint's defences that outlive one connection, by remote address (and /24 or /64 block):
 * <ul>
 * <li>the handshake rate, checked at accept before any TLS or handshake work;
 * <li>the mux's abuse budgets across connections: the mux holds each connection to its budgets of
 *     premature RESETs, provoked RESETs and PINGs, and every connection starts afresh, so a peer
 *     that redials with a fresh identity (which costs nothing) would get a connection's worth of
 *     abuse per handshake. What each connection charged is summed here per address and block, into
 *     buckets of {@link EndpointConfig#abuseBudgetPerAddress()} (per block
 *     {@link EndpointConfig#abuseBudgetPerBlock()}) connections' worth per the budget's window: a
 *     connection that charges a spent bucket is closed (ENHANCE_YOUR_CALM), and new connections
 *     from a spent address or block are closed at accept until it refills;
 * <li>what a connection closed for the peer's fault costs its address (its handshake tokens).
 * </ul>
 * Loopback peers are exempt unless {@link EndpointConfig#limitLoopback()}. Logs each kind of
 * refusal at most once a second. Thread-safe.
 */
final class AbuseWatch {
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How often live connections' charges are summed per address (a connection's own budgets bound it between). */
    static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    /** The mux budgets summed across connections: those a peer can spend at will and start afresh by redialing. */
    private static final List<Budget> ABUSE = List.of(Budget.RECEIVED_RESETS, Budget.SENT_RESETS, Budget.PINGS);

    /** What one watched connection has charged so far, per {@link #ABUSE} budget. */
    private static final class Charges {
        final InetAddress ip;
        final long[] seen = new long[ABUSE.size()];
        boolean cut;

        Charges(InetAddress ip) {
            this.ip = ip;
        }
    }

    /** Local close codes that blame the peer. */
    private static final Set<ErrorCode> PEER_FAULTS = EnumSet.of(ErrorCode.ENHANCE_YOUR_CALM,
            ErrorCode.PROTOCOL_ERROR, ErrorCode.FLOW_CONTROL_ERROR, ErrorCode.FRAME_SIZE_ERROR,
            ErrorCode.STREAM_LIMIT_ERROR);

    private final EndpointConfig config;
    private final EndpointStats stats;
    private final AddressRateLimiter handshakeRate;
    /** When a handshake-rate refusal was last logged (nanos); a flood logs once a second. */
    private final AtomicLong rateLogged = new AtomicLong(System.nanoTime() - 2 * LOG_INTERVAL_NANOS);
    private final AtomicLong budgetCloseLogged = new AtomicLong(System.nanoTime() - 2 * LOG_INTERVAL_NANOS);
    private final AtomicLong budgetClosesUnlogged = new AtomicLong();
    /** Per {@link #ABUSE} budget, in its order: what connections charged, per address and block. */
    private final List<AddressRateLimiter> abuseBudgets;
    private final Map<MuxConnection, Charges> watched = new ConcurrentHashMap<>();
    private final AtomicLong abuseLogged = new AtomicLong(System.nanoTime() - 2 * LOG_INTERVAL_NANOS);

    AbuseWatch(EndpointConfig config, EndpointStats stats) {
        this.config = config;
        this.stats = stats;
        this.handshakeRate = new AddressRateLimiter(config.handshakeRate(), config.handshakeRatePerBlock());
        this.abuseBudgets = ABUSE.stream().map(b -> {
            RateLimit perConnection = perConnection(config.mux(), b);
            return new AddressRateLimiter(times(perConnection, config.abuseBudgetPerAddress()),
                    times(perConnection, config.abuseBudgetPerBlock()));
        }).toList();
    }

    /** One connection's budget as the mux applies it. */
    static RateLimit perConnection(MuxConfig mux, Budget budget) {
        return switch (budget) {
            case RECEIVED_RESETS -> mux.receivedResets();
            // as the mux allows: the count plus one per stream the peer may hold open
            case SENT_RESETS -> RateLimit.of((int) Math.min(Integer.MAX_VALUE,
                    (long) mux.sentResets().count() + mux.maxInboundStreams()), mux.sentResets().window());
            case PINGS -> mux.pings();
            default -> throw new IllegalArgumentException(budget + " is not a rate budget");
        };
    }

    private static RateLimit times(RateLimit limit, int connections) {
        return RateLimit.of((int) Math.min(Integer.MAX_VALUE, (long) limit.count() * connections), limit.window());
    }

    /** Whether the per-address limits apply to {@code ip} (loopback only with {@link EndpointConfig#limitLoopback()}). */
    private boolean limited(InetAddress ip) {
        return ip != null && (config.limitLoopback() || !ip.isLoopbackAddress());
    }

    /**
     * Whether a connection accepted from {@code remote} may start its handshake: false (counted and
     * logged) when its address or block has used up its abuse budgets or its handshake rate.
     */
    boolean admit(InetSocketAddress remote) {
        InetAddress ip = remote.getAddress();
        if (!limited(ip)) {
            return true;
        }
        long now = System.nanoTime();
        if (!abuseAllows(ip, now)) {
            stats.limitHit(Limit.ADDRESS_ABUSE_BUDGET);
            if (shouldLog(abuseLogged)) {
                log.warn("refusing {}: its address or block used up the mux abuse budgets across connections "
                        + "(limit {}; logged at most once a second)", remote, Limit.ADDRESS_ABUSE_BUDGET.label);
            }
            return false;
        }
        if (handshakeRate.tryAcquire(ip, now)) {
            return true;
        }
        // Refused before any TLS or handshake work: the refusal costs nothing but the accept.
        stats.limitHit(Limit.HANDSHAKE_RATE);
        if (shouldLog(rateLogged)) {
            log.warn("refusing {}: more than {} handshakes per {} s from its address or block (limit {}; "
                    + "logged at most once a second)", remote, config.handshakeRate().count(),
                    config.handshakeRate().window().toSeconds(), Limit.HANDSHAKE_RATE.label);
        }
        return false;
    }

    /**
     * Watches an established connection: what it charges the abuse budgets is charged to its address
     * (at each {@link #sweep} and at its close). When the mux closes it because the peer broke a
     * budget (ENHANCE_YOUR_CALM) or the protocol, the peer's address loses its handshake tokens:
     * budgets are per connection and identities are free, so without this a peer could redial and
     * start over at once. A close for a broken budget is logged at WARN naming the peer and the
     * budget (at most once a second).
     */
    void watch(MuxConnection connection, PeerId peer, SocketAddress remote) {
        Charges charges = remote instanceof InetSocketAddress a && limited(a.getAddress())
                ? new Charges(a.getAddress()) : null;
        if (charges != null) {
            watched.put(connection, charges);
        }
        connection.closeFuture().thenAccept(reason -> {
            if (charges != null) {
                watched.remove(connection);
                charge(connection, charges, System.nanoTime()); // its final counts
            }
            Budget budget = connection.brokenBudget();
            if (budget != null) {
                logBudgetClose(peer, remote, budget, reason);
            }
            if (reason.remote() || !PEER_FAULTS.contains(reason.code())
                    || !(remote instanceof InetSocketAddress a) || !limited(a.getAddress())) {
                return;
            }
            handshakeRate.penalize(a.getAddress(), System.nanoTime());
            log.debug("{} broke a limit ({}): its address must wait for new handshake tokens", remote, reason.code());
        });
    }

    /**
     * Charges what every watched connection counted since the last sweep to its address and block,
     * and closes a connection that charged a spent one. Called every {@link #SWEEP_NANOS}.
     */
    void sweep() {
        long now = System.nanoTime();
        watched.forEach((connection, charges) -> {
            if (charge(connection, charges, now) && !abuseAllows(charges.ip, now)) {
                synchronized (charges) {
                    if (charges.cut) {
                        return;
                    }
                    charges.cut = true;
                }
                stats.limitHit(Limit.ADDRESS_ABUSE_BUDGET);
                if (shouldLog(abuseLogged)) {
                    log.warn("closing a connection from {}: its address or block used up the mux abuse budgets "
                            + "across connections (limit {}; logged at most once a second)",
                            charges.ip.getHostAddress(), Limit.ADDRESS_ABUSE_BUDGET.label);
                }
                connection.abort(ErrorCode.ENHANCE_YOUR_CALM, "the abuse budgets of its address across connections "
                        + "are used up");
            }
        });
    }

    /** Charges what {@code connection} counted since last time; true if it counted anything. */
    private boolean charge(MuxConnection connection, Charges charges, long now) {
        boolean any = false;
        synchronized (charges) {
            for (int i = 0; i < ABUSE.size(); i++) {
                long count = connection.stats().budgetCharged(ABUSE.get(i)); // racy read of a loop's counter
                long delta = count - charges.seen[i];
                if (delta > 0) {
                    charges.seen[i] = count;
                    abuseBudgets.get(i).charge(charges.ip, delta, now);
                    any = true;
                }
            }
        }
        return any;
    }

    private boolean abuseAllows(InetAddress ip, long now) {
        for (AddressRateLimiter b : abuseBudgets) {
            if (!b.allows(ip, now)) {
                return false;
            }
        }
        return true;
    }

    private void logBudgetClose(PeerId peer, SocketAddress remote, Budget budget, CloseReason reason) {
        if (shouldLog(budgetCloseLogged)) {
            long unlogged = budgetClosesUnlogged.getAndSet(0);
            log.warn("closed the connection to {} at {}: it broke the mux budget {} ({}){}", peer.shortForm(), remote,
                    budget.label, reason, unlogged == 0 ? "" : "; " + unlogged + " more such closes not logged");
        } else {
            budgetClosesUnlogged.incrementAndGet();
        }
    }

    /** True at most once a second per {@code last}: claims the log slot. */
    private static boolean shouldLog(AtomicLong last) {
        long now = System.nanoTime();
        long then = last.get();
        return now - then >= LOG_INTERVAL_NANOS && last.compareAndSet(then, now);
    }
}
