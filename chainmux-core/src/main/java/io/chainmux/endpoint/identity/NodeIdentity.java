package io.chainmux.endpoint.identity;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * This node's Ed25519 key pair and the {@link PeerId} it defines.
 *
 * <h2>Key file</h2>
 * {@link #loadOrCreate} keeps the key in a text file of two standard PEM blocks (RFC 7468):
 * <pre>
 * # chainmux node identity (Ed25519). Secret: keep this file private (chmod 600).
 * # peer id cm...
 * -----BEGIN PRIVATE KEY-----
 * (base64 PKCS#8 of the private key)
 * -----END PRIVATE KEY-----
 * -----BEGIN PUBLIC KEY-----
 * (base64 X.509 SubjectPublicKeyInfo of the public key)
 * -----END PUBLIC KEY-----
 * </pre>
 * Both keys are stored because the JDK cannot derive an Ed25519 public key from PKCS#8;
 * {@code openssl pkey -in FILE} reads the private key. Lines starting with {@code #} and blank
 * lines are ignored; the {@code # peer id} line is informational only. On load the pair is
 * checked to match, and on POSIX file systems the file must not be accessible by group or
 * others: a node refuses to start on a key file others could read or replace.
 *
 * <p>Immutable and thread-safe; {@link #sign} creates its own {@link Signature} per call (the
 * handshake signs once per connection, so this costs nothing that matters).
 */
public final class NodeIdentity {
    private static final Logger log = LoggerFactory.getLogger(NodeIdentity.class);

    /** Ed25519 signatures are always 64 bytes. */
    public static final int SIGNATURE_LENGTH = 64;
    static final String ALGORITHM = "Ed25519";
    /** Key files are a few hundred bytes; anything far larger is not one. */
    private static final long MAX_KEY_FILE_SIZE = 16 * 1024;
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final String PRIVATE_LABEL = "PRIVATE KEY";
    private static final String PUBLIC_LABEL = "PUBLIC KEY";

    static final SecureRandom RANDOM = new SecureRandom();

    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final PeerId peerId;

    private NodeIdentity(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.peerId = PeerId.fromPublicKey(publicKey);
    }

    /** A fresh random identity, kept in memory only (tests, ephemeral nodes). */
    public static NodeIdentity generate() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
            return new NodeIdentity(pair.getPrivate(), pair.getPublic());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no Ed25519 (needs Java 15+)", e);
        }
    }

    /**
     * Wraps an existing Ed25519 key pair.
     *
     * @throws IllegalArgumentException if the keys are not Ed25519 or do not belong together
     */
    public static NodeIdentity of(KeyPair pair) {
        NodeIdentity identity = new NodeIdentity(pair.getPrivate(), pair.getPublic());
        if (!identity.pairMatches()) {
            throw new IllegalArgumentException("the private key does not belong to public key " + identity.peerId);
        }
        return identity;
    }

    /**
     * Loads the identity from {@code keyFile}, or creates a new one there if the file does not exist.
     * A new file is written owner-only (rw-------) to a temporary file in the same directory and then
     * published atomically, so it is never visible half-written or with wider permissions; missing
     * parent directories are created rwx------. If another process publishes the file first, its
     * key is used.
     *
     * @throws IOException if the file cannot be read or written, is readable by group or others,
     *                     or does not hold a valid matching Ed25519 key pair (the message names the
     *                     file and the fix)
     */
    public static NodeIdentity loadOrCreate(Path keyFile) throws IOException {
        Objects.requireNonNull(keyFile, "keyFile");
        if (Files.exists(keyFile)) {
            return load(keyFile);
        }
        return create(keyFile.toAbsolutePath());
    }

    /**
     * Loads an existing key file (format in the class comment).
     *
     * @throws IOException as for {@link #loadOrCreate}; also if the file does not exist
     */
    public static NodeIdentity load(Path keyFile) throws IOException {
        checkPermissions(keyFile);
        long size = Files.size(keyFile);
        if (size > MAX_KEY_FILE_SIZE) {
            throw new IOException("key file " + keyFile + " is " + size + " bytes; a chainmux key file has a few"
                    + " hundred. Is this the right file?");
        }
        String text = new String(Files.readAllBytes(keyFile), StandardCharsets.US_ASCII);
        NodeIdentity identity;
        try {
            identity = parse(text);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new IOException("key file " + keyFile + " is not a valid chainmux node key: " + e.getMessage()
                    + ". Restore it from a backup, or delete it to create a new identity (a new peer id).", e);
        }
        if (!identity.pairMatches()) {
            throw new IOException("key file " + keyFile + " is corrupted: its private key does not belong to its"
                    + " public key " + identity.peerId + ". Restore it from a backup, or delete it to create"
                    + " a new identity (a new peer id).");
        }
        return identity;
    }

    public PeerId peerId() {
        return peerId;
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** Package-private: only the TLS setup in this package needs the private key itself. */
    PrivateKey privateKey() {
        return privateKey;
    }

    /** Signs {@code data} with Ed25519; the result is {@value #SIGNATURE_LENGTH} bytes. */
    public byte[] sign(byte[] data) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(privateKey);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /**
     * Whether {@code signature} is {@code signer}'s Ed25519 signature of {@code data}. False (never
     * an exception) for a wrong-length signature or a key that is not a valid curve point.
     */
    public static boolean verify(PeerId signer, byte[] data, byte[] signature) {
        Objects.requireNonNull(signer, "signer");
        Objects.requireNonNull(data, "data");
        if (signature == null || signature.length != SIGNATURE_LENGTH) {
            return false;
        }
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(signer.toPublicKey());
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false; // invalid key point or malformed signature: simply not a valid signature
        }
    }

    @Override
    public String toString() {
        return "NodeIdentity[" + peerId + "]";
    }

    private boolean pairMatches() {
        byte[] probe = "chainmux key pair check".getBytes(StandardCharsets.US_ASCII);
        try {
            return verify(peerId, probe, sign(probe));
        } catch (IllegalStateException e) {
            return false;
        }
    }

    // ---- key file ----

    private static NodeIdentity create(Path keyFile) throws IOException {
        Path dir = keyFile.getParent();
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        if (!Files.isDirectory(dir)) {
            if (posix) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
            } else {
                Files.createDirectories(dir);
            }
        }
        NodeIdentity identity = generate();
        byte[] content = identity.format().getBytes(StandardCharsets.US_ASCII);
        FileAttribute<?>[] attrs = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE)}
                : new FileAttribute<?>[0];
        // Created with O_EXCL and mode 0600 in one step: never readable by others, not even briefly.
        Path tmp = Files.createTempFile(dir, "." + keyFile.getFileName() + ".", ".tmp", attrs);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            if (!publish(tmp, keyFile)) {
                log.info("key file {} was created concurrently by another process; using it", keyFile);
                return load(keyFile);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        syncDirectory(dir);
        log.info("created node identity {} in {}", identity.peerId, keyFile);
        return identity;
    }

    /**
     * Publishes {@code tmp} as {@code target} atomically. A hard link never replaces an existing
     * file, so two processes racing to create the key agree on one; where links are unsupported,
     * an atomic rename is used.
     *
     * @return false if {@code target} already existed (another writer won)
     */
    private static boolean publish(Path tmp, Path target) throws IOException {
        try {
            Files.createLink(target, tmp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | FileSystemException e) {
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                return true;
            } catch (AtomicMoveNotSupportedException e2) {
                throw new IOException("cannot create key file " + target + " atomically on this file system", e2);
            }
        }
    }

    /** Best effort: makes the new directory entry durable (Linux allows fsync on a directory). */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            log.debug("could not fsync directory {}: {}", dir, e.toString());
        }
    }

    private static void checkPermissions(Path keyFile) throws IOException {
        if (!Files.isRegularFile(keyFile)) {
            throw new IOException(Files.exists(keyFile) ? "key file " + keyFile + " is not a regular file"
                    : "key file " + keyFile + " does not exist");
        }
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(keyFile); // follows links: the target's mode counts
        } catch (UnsupportedOperationException e) {
            log.warn("cannot check the permissions of key file {} on this file system; make sure only this"
                    + " node's user can read it", keyFile);
            return;
        }
        EnumSet<PosixFilePermission> wide = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : perms) {
            if (GROUP_OR_OTHER.contains(p)) {
                wide.add(p);
            }
        }
        if (!wide.isEmpty()) {
            throw new IOException("key file " + keyFile + " has permissions " + PosixFilePermissions.toString(perms)
                    + ": it holds this node's private key and must be accessible by its owner only."
                    + " Fix: chmod 600 " + keyFile);
        }
    }

    private String format() {
        Base64.Encoder b64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
        return "# chainmux node identity (Ed25519). Secret: keep this file private (chmod 600).\n"
                + "# peer id " + peerId + "\n"
                + "-----BEGIN " + PRIVATE_LABEL + "-----\n" + b64.encodeToString(privateKey.getEncoded()) + "\n"
                + "-----END " + PRIVATE_LABEL + "-----\n"
                + "-----BEGIN " + PUBLIC_LABEL + "-----\n" + b64.encodeToString(publicKey.getEncoded()) + "\n"
                + "-----END " + PUBLIC_LABEL + "-----\n";
    }

    /** Parses the key file text; strict: unknown lines, missing or repeated blocks are errors. */
    static NodeIdentity parse(String text) throws GeneralSecurityException {
        byte[] privateDer = null;
        byte[] publicDer = null;
        String label = null;
        StringBuilder body = new StringBuilder();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            int lineNo = i + 1;
            if (label == null) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (!line.startsWith("-----BEGIN ") || !line.endsWith("-----")) {
                    throw new IllegalArgumentException("line " + lineNo + " is neither a comment nor a PEM BEGIN line");
                }
                label = line.substring("-----BEGIN ".length(), line.length() - "-----".length());
                if (!label.equals(PRIVATE_LABEL) && !label.equals(PUBLIC_LABEL)) {
                    throw new IllegalArgumentException("line " + lineNo + ": unexpected PEM block '" + label
                            + "', expected '" + PRIVATE_LABEL + "' or '" + PUBLIC_LABEL + "'");
                }
                body.setLength(0);
            } else if (line.equals("-----END " + label + "-----")) {
                byte[] der;
                try {
                    der = Base64.getDecoder().decode(body.toString());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("bad base64 in the " + label + " block: " + e.getMessage());
                }
                if (label.equals(PRIVATE_LABEL)) {
                    if (privateDer != null) {
                        throw new IllegalArgumentException("two " + PRIVATE_LABEL + " blocks");
                    }
                    privateDer = der;
                } else {
                    if (publicDer != null) {
                        throw new IllegalArgumentException("two " + PUBLIC_LABEL + " blocks");
                    }
                    publicDer = der;
                }
                label = null;
            } else {
                body.append(line);
            }
        }
        if (label != null) {
            throw new IllegalArgumentException("the " + label + " block has no END line");
        }
        if (privateDer == null || publicDer == null) {
            throw new IllegalArgumentException("it needs one " + PRIVATE_LABEL + " and one " + PUBLIC_LABEL
                    + " block; found " + (privateDer == null ? "no " + PRIVATE_LABEL : "no " + PUBLIC_LABEL));
        }
        KeyFactory kf = KeyFactory.getInstance(ALGORITHM);
        PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(privateDer));
        PublicKey pub = kf.generatePublic(new X509EncodedKeySpec(publicDer));
        return new NodeIdentity(priv, pub);
    }
}
