package io.chainmux.endpoint;

import io.chainmux.endpoint.identity.PeerId;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where to reach a peer: {@code host:port}, IPv6 hosts in brackets ({@code [::1]:7000}), optionally
 * with the peer id expected there: {@code cm...@host:port}. A dial to an address with a peer id fails
 * if another key answers.
 */
public record PeerAddress(String host, int port, PeerId expectedPeer) {
    public PeerAddress {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be in [0, 65535] (0: any free port, to listen), was " + port);
        }
    }

    /**
     * Parses {@code host:port}, {@code [v6]:port} or {@code peerId@host:port}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static PeerAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty address; expected HOST:PORT");
        }
        String s = text.trim();
        PeerId peer = null;
        int at = s.indexOf('@');
        if (at >= 0) {
            peer = PeerId.parse(s.substring(0, at));
            s = s.substring(at + 1);
        }
        String host;
        String portText;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("bad address '" + text + "'; expected [IPV6]:PORT");
            }
            host = s.substring(1, close);
            portText = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || s.indexOf(':') != colon) {
                throw new IllegalArgumentException("bad address '" + text
                        + "'; expected HOST:PORT (IPv6 hosts in brackets: [::1]:7000)");
            }
            host = s.substring(0, colon);
            portText = s.substring(colon + 1);
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port '" + portText + "' in '" + text + "'");
        }
        return new PeerAddress(host, port, peer);
    }

    public static PeerAddress of(InetSocketAddress a) {
        return new PeerAddress(a.getHostString(), a.getPort(), null);
    }

    public PeerAddress withPeer(PeerId peer) {
        return new PeerAddress(host, port, peer);
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** {@code host:port} (brackets for IPv6), without the peer id: the form a HELLO advertises. */
    public String hostPort() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return (expectedPeer == null ? "" : expectedPeer + "@") + hostPort();
    }
}
