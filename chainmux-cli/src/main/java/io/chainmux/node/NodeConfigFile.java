package io.chainmux.node;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.chainmux.endpoint.PeerAddress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The node's configuration file (YAML; see docs/node-example.yaml). Every key is optional except
 * {@code listen}; unknown keys and bad values are errors that name the key. Command-line flags
 * override file values.
 *
 * @param listen    address to accept connections on
 * @param advertise address peers should dial (sent in the handshake); empty for none
 * @param dataDir   where the identity and peer database go unless given: {@link #defaultDataDir()}
 * @param identity  key file, created on first use; default {@code dataDir/node.key}
 * @param peerDb    peer database file; default {@code dataDir/peers.db}
 * @param tls       TLS 1.3 on every connection
 * @param stripes   TCP connections dialed per peer
 * @param metrics   admin address serving /metrics, /peers, /health; empty for none
 * @param bootstrap peers to start from ({@code [peerId@]host:port})
 * @param chains    the chains this node serves
 * @param network   per-network P2P settings, the same for every chain
 * @param limits    connection limits
 */
public record NodeConfigFile(String listen, String advertise, String dataDir, String identity, String peerDb, Boolean tls,
                             Integer stripes, String metrics, List<String> bootstrap, Chains chains, Network network,
                             Limits limits) {
    /** Defaults the {@code node} command's help quotes. */
    public static final int DEFAULT_CHAINS = 1;
    public static final int DEFAULT_DEGREE = 8;
    public static final int DEFAULT_STRIPES = 1;
    public static final String IDENTITY_FILE = "node.key";
    public static final String PEER_DB_FILE = "peers.db";
    public static final String DATA_DIR_HELP = "$CHAINMUX_DATA_DIR, else $XDG_DATA_HOME/chainmux, else "
            + "~/.local/share/chainmux";

    /**
     * Where a node keeps its identity and peer database unless told: never the current directory,
     * so two nodes started from one place do not share an identity by accident.
     */
    public static String defaultDataDir() {
        String explicit = System.getenv("CHAINMUX_DATA_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return explicit;
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("chainmux").toString();
    }

    /** Chains served: {@code count} chains named 0..count-1, or explicit {@code ids}. */
    public record Chains(Integer count, List<String> ids) {
        public Chains {
            ids = ids == null ? List.of() : List.copyOf(ids);
            count = count == null ? (ids.isEmpty() ? DEFAULT_CHAINS : ids.size()) : count;
            if (ids.isEmpty() && (count < 1 || count > 100_000)) {
                throw new ConfigException("chains.count", "must be in [1, 100000] (or give chains.ids), was " + count);
            }
            if (!ids.isEmpty() && count != 0 && count != ids.size()) {
                throw new ConfigException("chains", "give either count or ids (count " + count + " != "
                        + ids.size() + " ids)");
            }
        }

        public List<String> names() {
            if (!ids.isEmpty()) {
                return ids;
            }
            List<String> n = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                n.add(Integer.toString(i));
            }
            return n;
        }
    }

    /**
     * P2P settings of each chain's network.
     *
     * @param protocol       protocol name in the network id ({@code chain/protocol/version})
     * @param degree         outgoing sessions kept per network
     * @param maxInbound     inbound sessions accepted per network before refusing with "busy"
     * @param sessionTimeout sessions are cut after this (with +-10 % jitter)
     * @param sharingAware   prefer peers already connected for other chains
     */
    public record Network(String protocol, Integer degree, Integer maxInbound, Duration sessionTimeout,
                          Boolean sharingAware) {
        public Network {
            protocol = protocol == null ? "chaindb-sync" : protocol;
            degree = degree == null ? DEFAULT_DEGREE : degree;
            maxInbound = maxInbound == null ? 16 : maxInbound;
            sessionTimeout = sessionTimeout == null ? Duration.ofSeconds(240) : sessionTimeout;
            sharingAware = sharingAware == null ? Boolean.TRUE : sharingAware;
            if (degree < 1 || degree > 64) {
                throw new ConfigException("network.degree", "must be in [1, 64], was " + degree);
            }
            if (maxInbound < 1 || maxInbound > 1024) {
                throw new ConfigException("network.maxInbound", "must be in [1, 1024], was " + maxInbound);
            }
            if (sessionTimeout == null || sessionTimeout.toMillis() < 100 || sessionTimeout.toHours() > 24) {
                throw new ConfigException("network.sessionTimeout", "must be between 100ms and 24h, was " + sessionTimeout);
            }
        }
    }

    /**
     * Connection limits (docs/SECURITY.md).
     *
     * @param handshakeRate  handshakes started per remote address per 10 s
     * @param limitLoopback  apply the per-address limits to loopback peers too
     * @param writeTimeout   close a connection whose peer reads none of our output this long
     * @param messageTimeout reset a stream whose message in progress has not ended this long (plus
     *                       one second per 64 bytes received of it)
     * @param maxPeers       peers the peer database holds at most
     * @param abuseBudgetPerAddress connections' worth of the mux abuse budgets (premature and provoked
     *                       RESETs, PINGs) all connections from one address may use together; a /24 or
     *                       /64 block four times as many
     * @param maxStartsInFlight outgoing session opens in flight at once over all chains (priority
     *                       networks apart), so a restart does not queue thousands ahead of other traffic
     */
    public record Limits(Integer maxInboundConnections, Integer maxInboundPerIp, Integer maxStripesPerPeer,
                         Duration handshakeTimeout, Duration idleTimeout, Duration keepAliveInterval,
                         Duration unusedConnectionTimeout, Integer handshakeRate, Boolean limitLoopback,
                         Duration writeTimeout, Duration messageTimeout, Integer maxPeers,
                         Integer abuseBudgetPerAddress, Integer maxStartsInFlight) {
        public Limits {
            maxStartsInFlight = maxStartsInFlight == null ? 64 : maxStartsInFlight;
            positive("limits.maxStartsInFlight", maxStartsInFlight);
            handshakeRate = handshakeRate == null ? 16 : handshakeRate;
            limitLoopback = limitLoopback != null && limitLoopback;
            writeTimeout = writeTimeout == null ? Duration.ofSeconds(60) : writeTimeout;
            messageTimeout = messageTimeout == null ? Duration.ofSeconds(60) : messageTimeout;
            maxPeers = maxPeers == null ? 2048 : maxPeers;
            abuseBudgetPerAddress = abuseBudgetPerAddress == null ? 4 : abuseBudgetPerAddress;
            if (abuseBudgetPerAddress < 1 || abuseBudgetPerAddress > 1_000_000) {
                throw new ConfigException("limits.abuseBudgetPerAddress", "must be in [1, 1000000], was "
                        + abuseBudgetPerAddress);
            }
            positive("limits.handshakeRate", handshakeRate);
            positive("limits.writeTimeout", writeTimeout);
            positive("limits.messageTimeout", messageTimeout);
            positive("limits.maxPeers", maxPeers);
            maxInboundConnections = maxInboundConnections == null ? 4096 : maxInboundConnections;
            maxInboundPerIp = maxInboundPerIp == null ? 64 : maxInboundPerIp;
            maxStripesPerPeer = maxStripesPerPeer == null ? 8 : maxStripesPerPeer;
            handshakeTimeout = handshakeTimeout == null ? Duration.ofSeconds(10) : handshakeTimeout;
            idleTimeout = idleTimeout == null ? Duration.ofSeconds(60) : idleTimeout;
            keepAliveInterval = keepAliveInterval == null ? Duration.ofSeconds(15) : keepAliveInterval;
            unusedConnectionTimeout = unusedConnectionTimeout == null ? Duration.ofMinutes(10) : unusedConnectionTimeout;
            positive("limits.maxInboundConnections", maxInboundConnections);
            positive("limits.maxInboundPerIp", maxInboundPerIp);
            if (maxStripesPerPeer < 1 || maxStripesPerPeer > 255) {
                throw new ConfigException("limits.maxStripesPerPeer", "must be in [1, 255], was " + maxStripesPerPeer);
            }
            positive("limits.handshakeTimeout", handshakeTimeout);
            positive("limits.idleTimeout", idleTimeout);
            positive("limits.keepAliveInterval", keepAliveInterval);
            positive("limits.unusedConnectionTimeout", unusedConnectionTimeout);
            if (keepAliveInterval.compareTo(idleTimeout) >= 0) {
                throw new ConfigException("limits.keepAliveInterval", "must be shorter than limits.idleTimeout ("
                        + idleTimeout + "), or quiet peers are dropped");
            }
        }
    }

    public NodeConfigFile {
        if (listen == null || listen.isBlank()) {
            throw new ConfigException("listen", "is required (HOST:PORT)");
        }
        address("listen", listen);
        advertise = advertise == null ? "" : advertise;
        if (!advertise.isEmpty()) {
            address("advertise", advertise);
        }
        dataDir = dataDir == null || dataDir.isBlank() ? defaultDataDir() : dataDir;
        identity = identity == null ? Path.of(dataDir, IDENTITY_FILE).toString() : identity;
        tls = tls != null && tls;
        stripes = stripes == null ? DEFAULT_STRIPES : stripes;
        peerDb = peerDb == null ? Path.of(dataDir, PEER_DB_FILE).toString() : peerDb;
        if (stripes < 1 || stripes > 255) {
            throw new ConfigException("stripes", "must be in [1, 255], was " + stripes);
        }
        metrics = metrics == null ? "" : metrics;
        if (!metrics.isEmpty()) {
            address("metrics", metrics);
        }
        bootstrap = bootstrap == null ? List.of() : List.copyOf(bootstrap);
        for (int i = 0; i < bootstrap.size(); i++) {
            address("bootstrap[" + i + "]", bootstrap.get(i));
            if (PeerAddress.parse(bootstrap.get(i)).expectedPeer() == null) {
                throw new ConfigException("bootstrap[" + i + "]", "needs the peer id: PEERID@HOST:PORT (got '"
                        + bootstrap.get(i) + "'); `chainmux ping HOST:PORT` prints a node's id");
            }
        }
        chains = chains == null ? new Chains(null, null) : chains;
        network = network == null ? new Network(null, null, null, null, null) : network;
        limits = limits == null ? new Limits(null, null, null, null, null, null, null, null, null, null, null, null, null, null)
                : limits;
    }

    private static void address(String key, String value) {
        try {
            PeerAddress.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage());
        }
    }

    private static void positive(String key, long v) {
        if (v < 1) {
            throw new ConfigException(key, "must be >= 1, was " + v);
        }
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ConfigException(key, "must be a positive duration like 10s or 500ms, was " + d);
        }
    }

    // ------------------------------------------------------------------ loading

    private static final Pattern YAML_POSITION = Pattern.compile("^ in '[^']*', line (\\d+), column (\\d+):");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .registerModule(new SimpleModule().addDeserializer(Duration.class, new DurationDeserializer()));

    /**
     * Reads and validates a config file.
     *
     * @throws ConfigException naming the key and the problem (or the file, if it cannot be read)
     */
    public static NodeConfigFile load(Path file) {
        return load(file, Map.of());
    }

    /**
     * Reads a config file (or none: {@code file} null), applies overrides given as dotted keys
     * ({@code network.degree} -> 4), then validates the result, so a bad override is reported under
     * its key like a bad file value.
     */
    public static NodeConfigFile load(Path file, Map<String, Object> overrides) {
        ObjectNode tree;
        String source = file == null ? "(flags)" : file.toString();
        if (file == null) {
            tree = YAML.createObjectNode();
        } else {
            String text;
            try {
                text = Files.readString(file);
            } catch (NoSuchFileException e) {
                throw new ConfigException(file.toString(), "no such file");
            } catch (IOException e) {
                throw new ConfigException(file.toString(), "cannot be read: " + e.getMessage());
            }
            JsonNode parsed = readYaml(text, source);
            if (parsed != null && !parsed.isMissingNode() && !parsed.isNull() && !parsed.isObject()) {
                throw new ConfigException(source, "must be a mapping of keys to values (key: value lines)");
            }
            tree = parsed == null || !parsed.isObject() ? YAML.createObjectNode() : (ObjectNode) parsed;
        }
        for (Map.Entry<String, Object> o : overrides.entrySet()) {
            String[] path = o.getKey().split("\\.");
            ObjectNode at = tree;
            for (int i = 0; i < path.length - 1; i++) {
                JsonNode next = at.get(path[i]);
                at = next instanceof ObjectNode on ? on : at.putObject(path[i]);
            }
            at.set(path[path.length - 1], YAML.valueToTree(o.getValue()));
        }
        return bind(tree, source);
    }

    static NodeConfigFile parse(String yaml, String source) {
        JsonNode tree = readYaml(yaml, source);
        return bind(tree == null ? YAML.createObjectNode() : tree, source);
    }

    /** Parses YAML text; a syntax error names the line and column, in the parser's words. */
    private static JsonNode readYaml(String text, String source) {
        try {
            return YAML.readTree(text);
        } catch (JsonProcessingException e) {
            // The parser's message: "while scanning ...", " in 'reader', line 1, column 9:", the line and a
            // caret, "found ...", " in 'reader', line 2, column 1:". Keep the words and the last position.
            JsonLocation at = e.getLocation();
            String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            List<String> words = new ArrayList<>();
            for (String line : e.getOriginalMessage().split("\n")) {
                Matcher m = YAML_POSITION.matcher(line);
                if (m.find()) {
                    where = " at line " + m.group(1) + ", column " + m.group(2);
                } else if (!line.isBlank() && !Character.isWhitespace(line.charAt(0))) {
                    words.add(line.trim());
                }
            }
            throw new ConfigException(source, "is not valid YAML" + where + ": " + String.join(": ", words));
        } catch (IOException e) {
            throw new ConfigException(source, "cannot be read: " + e.getMessage());
        }
    }

    private static NodeConfigFile bind(JsonNode tree, String source) {
        try {
            NodeConfigFile c = YAML.treeToValue(tree, NodeConfigFile.class);
            if (c == null) {
                throw new ConfigException("listen", "is required (the file " + source + " is empty)");
            }
            return c;
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", "));
            throw new ConfigException(path(e), "unknown key (known here: " + known + ")");
        } catch (JsonMappingException e) {
            ConfigException inner = find(e);
            if (inner != null) {
                throw inner;
            }
            throw new ConfigException(path(e), expected(e));
        } catch (IOException e) {
            throw new ConfigException(source, "cannot be read: " + e.getMessage());
        }
    }

    /** A type mismatch in an operator's words, not Jackson's: what the key wants and what it got. */
    private static String expected(JsonMappingException e) {
        Class<?> type = e instanceof MismatchedInputException m ? m.getTargetType() : null;
        String got = e instanceof InvalidFormatException f ? ", got '" + f.getValue() + "'" : "";
        if (type == null) { // ours (a duration, say): already in an operator's words
            return e.getOriginalMessage().split("\n")[0];
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "expected a whole number" + got;
        }
        if (type == Boolean.class || type == boolean.class) {
            return "expected true or false" + got;
        }
        if (type == String.class) {
            return "expected a single value (text)" + got;
        }
        if (List.class.isAssignableFrom(type)) {
            return "expected a list ([a, b] or '- a' lines)" + got;
        }
        if (type.isRecord()) {
            String keys = java.util.Arrays.stream(type.getRecordComponents()).map(java.lang.reflect.RecordComponent::getName)
                    .collect(Collectors.joining(", "));
            return "expected a mapping with the keys " + keys;
        }
        return "expected a " + type.getSimpleName() + got;
    }

    private static ConfigException find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException c) {
                return c;
            }
        }
        return null;
    }

    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.length() == 0 ? "(top level)" : b.toString();
    }

    /** {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}, or an ISO-8601 duration. */
    static Duration parseDuration(String text) {
        Matcher m = Pattern.compile("(\\d+)\\s*(ms|s|m|h)").matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
        try {
            return Duration.parse(text.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration like 500ms, 10s, 5m or 1h");
        }
    }

    private static final class DurationDeserializer extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            try {
                return parseDuration(p.getValueAsString());
            } catch (IllegalArgumentException e) {
                throw JsonMappingException.from(p, e.getMessage());
            }
        }
    }
}
