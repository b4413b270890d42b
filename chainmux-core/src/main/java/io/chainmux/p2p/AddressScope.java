package io.chainmux.p2p;

import io.chainmux.endpoint.PeerAddress;
import io.netty.util.NetUtil;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * How far an IP address reaches, narrowest first. Peer exchange uses it so that a peer cannot point
 * this node at addresses narrower than the link the peer itself came over: a peer on the internet
 * must not make us dial our own loopback or LAN (port scanning by proxy), while a LAN peer may name
 * LAN and internet peers, and a loopback peer anything.
 */
enum AddressScope {
    LOOPBACK, LINK_LOCAL, PRIVATE, GLOBAL;

    static AddressScope of(InetAddress a) {
        if (a.isLoopbackAddress()) {
            return LOOPBACK;
        }
        if (a.isLinkLocalAddress()) {
            return LINK_LOCAL;
        }
        byte[] b = a.getAddress();
        boolean privateV4 = a instanceof Inet4Address && (a.isSiteLocalAddress()
                || ((b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64)); // + carrier-grade NAT 100.64.0.0/10
        boolean privateV6 = a instanceof Inet6Address && (a.isSiteLocalAddress() || (b[0] & 0xfe) == 0xfc); // fc00::/7
        return privateV4 || privateV6 ? PRIVATE : GLOBAL;
    }

    /**
     * Why an address a peer sent us must not be stored, or null if it may. {@code from} is the
     * address of the peer that sent it (null when unknown: then only the scope rule is skipped).
     * Host names pass: their scope is not known before a lookup.
     */
    static String rejects(PeerAddress candidate, InetAddress from) {
        if (candidate.port() == 0) {
            return "port 0";
        }
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(candidate.host());
        if (literal == null) {
            return null;
        }
        InetAddress a;
        try {
            a = InetAddress.getByAddress(literal);
        } catch (java.net.UnknownHostException e) {
            return "not an IP address";
        }
        if (a.isAnyLocalAddress() || a.isMulticastAddress() || isLimitedBroadcast(literal)) {
            return "not a unicast address";
        }
        if (from != null) {
            AddressScope scope = of(a);
            AddressScope fromScope = of(from);
            if (scope.compareTo(fromScope) < 0) {
                return "a " + scope.label() + " address from a " + fromScope.label() + " peer";
            }
        }
        return null;
    }

    private static boolean isLimitedBroadcast(byte[] b) {
        return b.length == 4 && (b[0] & b[1] & b[2] & b[3]) == (byte) 0xff;
    }

    String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
