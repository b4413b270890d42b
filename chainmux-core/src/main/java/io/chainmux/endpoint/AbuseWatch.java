package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.PeerId;
import io.chainmux.mux.Budget;
import io.chainmux.mux.CloseReason;
import io.chainmux.mux.MuxSession;
import io.chainmux.wire.ErrorCode;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.chainmux.endpoint.Endpoint.log;

/**
 * An endpoint's defences that outlive one connection, by remote address: the handshake rate per
 * address and block (checked at accept, before any TLS or handshake work), and what a connection
 * closed for the peer's fault costs its address. Logs each kind of refusal at most once a second.
 * Thread-safe.
 */
final class AbuseWatch {
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

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

    AbuseWatch(EndpointConfig config, EndpointStats stats) {
        this.config = config;
        this.stats = stats;
        this.handshakeRate = new AddressRateLimiter(config.handshakeRate(), config.handshakeRatePerBlock());
    }

    /** Whether the per-address limits apply to {@code ip} (loopback only with {@link EndpointConfig#limitLoopback()}). */
    private boolean limited(InetAddress ip) {
        return ip != null && (config.limitLoopback() || !ip.isLoopbackAddress());
    }

    /**
     * Whether a connection accepted from {@code remote} may start its handshake: false (counted and
     * logged) when its address or block has used up its handshake rate.
     */
    boolean admit(InetSocketAddress remote) {
        InetAddress ip = remote.getAddress();
        if (!limited(ip) || handshakeRate.tryAcquire(ip, System.nanoTime())) {
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
     * Watches an established connection's close. When the mux closes it because the peer broke a
     * budget (ENHANCE_YOUR_CALM) or the protocol, the peer's address loses its handshake tokens:
     * budgets are per connection and identities are free, so without this a peer could redial and
     * start over at once. A close for a broken budget is logged at WARN naming the peer and the
     * budget (at most once a second).
     */
    void watch(MuxSession session, PeerId peer, SocketAddress remote) {
        session.closeFuture().thenAccept(reason -> {
            Budget budget = session.brokenBudget();
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
