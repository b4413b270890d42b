package io.chainmux.p2p;

import io.chainmux.broker.NetworkId;
import io.chainmux.endpoint.PeerAddress;
import io.chainmux.endpoint.identity.PeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The peer database file: UTF-8 text, one peer per line, fields separated by single spaces.
 *
 * <pre>
 * chainmux-peerdb 1
 * # peer-id@host:port sticky successive-failures successes last-success last-failure score networks
 * cmabc...@10.0.0.7:7000 1 0 42 1767225600000 0 7.0 0/chaindb-sync/1,1/chaindb-sync/1
 * cmdef...@[::1]:7001 0 3 0 0 1767225601234 0.125 -
 * </pre>
 *
 * The first line is the header with the format version (1). Lines starting with {@code #} and blank
 * lines are ignored. Fields: the peer address with its peer id; sticky {@code 1}/{@code 0};
 * successive failures; total successes; last success and last failure in epoch milliseconds (0 =
 * never); score (a decimal); the networks it serves, comma-separated wire ids, or {@code -} for
 * none. A malformed line is skipped with a warning naming its line number; a wrong header fails
 * the load. Writes are atomic: a temporary file in the same directory is written and fsynced, then
 * renamed over the old file, and the directory is fsynced, so a crash leaves the old or the new file,
 * never a torn one.
 */
public final class PeerDbFile {
    public static final String HEADER = "chainmux-peerdb 1";
    private static final Logger log = LoggerFactory.getLogger(PeerDbFile.class);

    private PeerDbFile() {}

    public static void write(Path file, Collection<PeerInfo> peers) throws IOException {
        StringBuilder sb = new StringBuilder(64 + peers.size() * 128);
        sb.append(HEADER).append('\n');
        sb.append("# peer-id@host:port sticky successive-failures successes last-success last-failure score networks\n");
        List<PeerInfo> sorted = new ArrayList<>(peers);
        sorted.sort(Comparator.comparing(PeerInfo::id));
        for (PeerInfo p : sorted) {
            sb.append(p.address()).append(' ')
                    .append(p.sticky() ? '1' : '0').append(' ')
                    .append(p.successiveFailures()).append(' ')
                    .append(p.successes()).append(' ')
                    .append(p.lastSuccess()).append(' ')
                    .append(p.lastFailure()).append(' ')
                    .append(p.score()).append(' ')
                    .append(p.networks().isEmpty() ? "-" : p.networks().stream().map(NetworkId::wire).sorted()
                            .collect(Collectors.joining(",")))
                    .append('\n');
        }
        writeAtomically(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    static void writeAtomically(Path file, byte[] content) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(tmp);
            throw new IOException("cannot replace " + target + " atomically on this file system", e);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // persist the rename itself
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("cannot fsync directory {} ({}); the rename may not survive a power loss", dir, e.toString());
        }
    }

    /** Reads a peer file; an absent file is an empty database. */
    public static List<PeerInfo> read(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        if (lines.isEmpty() || !lines.get(0).trim().equals(HEADER)) {
            throw new IOException(file + " is not a chainmux peer database: the first line must be '" + HEADER
                    + "', was '" + (lines.isEmpty() ? "" : lines.get(0)) + "'");
        }
        List<PeerInfo> peers = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                peers.add(parse(line));
            } catch (RuntimeException e) {
                log.warn("{} line {}: skipping a malformed peer: {}", file, i + 1, e.getMessage());
            }
        }
        return peers;
    }

    static PeerInfo parse(String line) {
        String[] f = line.split(" ");
        if (f.length != 8) {
            throw new IllegalArgumentException("expected 8 fields, found " + f.length);
        }
        PeerAddress address = PeerAddress.parse(f[0]);
        PeerId id = address.expectedPeer();
        if (id == null) {
            throw new IllegalArgumentException("address '" + f[0] + "' has no peer id");
        }
        boolean sticky = switch (f[1]) {
            case "1" -> true;
            case "0" -> false;
            default -> throw new IllegalArgumentException("sticky must be 0 or 1, was '" + f[1] + "'");
        };
        int failures = nonNegativeInt(f[2], "successive failures");
        long successes = nonNegativeLong(f[3], "successes");
        long lastSuccess = nonNegativeLong(f[4], "last success");
        long lastFailure = nonNegativeLong(f[5], "last failure");
        double score;
        try {
            score = Double.parseDouble(f[6]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("score '" + f[6] + "' is not a number");
        }
        if (!(score >= PeerDb.MIN_SCORE && score <= PeerDb.MAX_SCORE)) {
            throw new IllegalArgumentException("score " + score + " is outside [" + PeerDb.MIN_SCORE + ", "
                    + PeerDb.MAX_SCORE + "]");
        }
        Set<NetworkId> networks = new HashSet<>();
        if (!f[7].equals("-")) {
            for (String n : f[7].split(",")) {
                networks.add(NetworkId.parse(n));
            }
        }
        return new PeerInfo(id, address, networks, Set.of(), failures, successes, lastSuccess, lastFailure, score,
                sticky, 0);
    }

    private static int nonNegativeInt(String s, String what) {
        long v = nonNegativeLong(s, what);
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " " + v + " is too large");
        }
        return (int) v;
    }

    private static long nonNegativeLong(String s, String what) {
        try {
            long v = Long.parseLong(s);
            if (v < 0) {
                throw new IllegalArgumentException(what + " must be >= 0, was " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + s + "' is not a number");
        }
    }
}
