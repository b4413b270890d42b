package io.chainmux.broker;

import io.chainmux.wire.FrameReader;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Which logical P2P network a stream belongs to: a chain, a protocol on it and the protocol's
 * version. On the wire (the OPEN frame) it is {@code chain/protocol/version}, e.g.
 * {@code 7/chaindb-sync/1}.
 */
public record NetworkId(String chain, String protocol, int version) implements Comparable<NetworkId> {
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    public NetworkId {
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(protocol, "protocol");
        if (!PART.matcher(chain).matches()) {
            throw new IllegalArgumentException("chain '" + chain + "' must be 1-100 of [A-Za-z0-9._-]");
        }
        if (!PART.matcher(protocol).matches()) {
            throw new IllegalArgumentException("protocol '" + protocol + "' must be 1-100 of [A-Za-z0-9._-]");
        }
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, was " + version);
        }
        FrameReader.validateNetworkId(chain + "/" + protocol + "/" + version);
    }

    public static NetworkId of(String chain, String protocol, int version) {
        return new NetworkId(chain, protocol, version);
    }

    /**
     * Parses the wire form {@code chain/protocol/version}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static NetworkId parse(String wire) {
        String[] parts = wire == null ? new String[0] : wire.split("/", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("network id '" + wire + "' must be chain/protocol/version");
        }
        try {
            return new NetworkId(parts[0], parts[1], Integer.parseInt(parts[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("network id '" + wire + "': version '" + parts[2] + "' is not a number");
        }
    }

    /** The wire form. */
    public String wire() {
        return chain + "/" + protocol + "/" + version;
    }

    @Override
    public int compareTo(NetworkId o) {
        return wire().compareTo(o.wire());
    }

    @Override
    public String toString() {
        return wire();
    }
}
