package io.chainmux.endpoint.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeIdentityTest {
    @TempDir
    Path dir;

    @Test
    void createsOwnerOnlyKeyFileAndReloadsTheSameIdentity() throws IOException {
        Path file = dir.resolve("node.key");
        NodeIdentity created = NodeIdentity.loadOrCreate(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        String text = Files.readString(file);
        assertThat(text).contains("-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----",
                "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----", "# peer id " + created.peerId());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file); // no temporary file left behind
        }

        NodeIdentity reloaded = NodeIdentity.loadOrCreate(file);
        assertThat(reloaded.peerId()).isEqualTo(created.peerId());
        assertThat(NodeIdentity.load(file).peerId()).isEqualTo(created.peerId());
        byte[] data = {1, 2, 3};
        assertThat(NodeIdentity.verify(created.peerId(), data, reloaded.sign(data))).isTrue();
        assertThat(Files.readString(file)).isEqualTo(text); // loading never rewrites
    }

    @Test
    void createsMissingParentDirectoriesOwnerOnly() throws IOException {
        Path file = dir.resolve("a/b/node.key");
        NodeIdentity.loadOrCreate(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b"))))
                .isEqualTo("rwx------");
        assertThat(Files.isRegularFile(file)).isTrue();
    }

    @Test
    void twoFilesAreTwoIdentities() throws IOException {
        assertThat(NodeIdentity.loadOrCreate(dir.resolve("x.key")).peerId())
                .isNotEqualTo(NodeIdentity.loadOrCreate(dir.resolve("y.key")).peerId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-r--r--", "rw-r-----", "rw----r--", "rw--w----", "rw-----w-", "rwx---r-x"})
    void refusesKeyFileAccessibleByOthers(String mode) throws IOException {
        Path file = dir.resolve("node.key");
        NodeIdentity.loadOrCreate(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        assertThatThrownBy(() -> NodeIdentity.loadOrCreate(file)).isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining(mode)
                .hasMessageContaining("chmod 600 " + file);
    }

    @Test
    void acceptsReadOnlyOwnerFile() throws IOException {
        Path file = dir.resolve("node.key");
        PeerId id = NodeIdentity.loadOrCreate(file).peerId();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
        assertThat(NodeIdentity.loadOrCreate(file).peerId()).isEqualTo(id);
    }

    @Test
    void loadRejectsMissingFileAndDirectory() {
        assertThatThrownBy(() -> NodeIdentity.load(dir.resolve("absent.key"))).isInstanceOf(IOException.class)
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> NodeIdentity.loadOrCreate(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("not a regular file");
    }

    @Test
    void refusesKeyPairThatDoesNotMatch() throws IOException {
        Path a = dir.resolve("a.key");
        Path b = dir.resolve("b.key");
        NodeIdentity.loadOrCreate(a);
        NodeIdentity idB = NodeIdentity.loadOrCreate(b);
        // a's private key with b's public key
        String textA = Files.readString(a);
        String textB = Files.readString(b);
        String mixed = textA.substring(0, textA.indexOf("-----BEGIN PUBLIC KEY-----"))
                + textB.substring(textB.indexOf("-----BEGIN PUBLIC KEY-----"));
        Files.writeString(a, mixed);
        assertThatThrownBy(() -> NodeIdentity.load(a)).isInstanceOf(IOException.class)
                .hasMessageContaining(a.toString()).hasMessageContaining("does not belong")
                .hasMessageContaining(idB.peerId().toString());
    }

    @Test
    void refusesCorruptedKeyFiles() throws IOException {
        Path file = dir.resolve("node.key");
        NodeIdentity.loadOrCreate(file);
        String good = Files.readString(file);
        String privateBody = good.lines().dropWhile(l -> !l.equals("-----BEGIN PRIVATE KEY-----")).skip(1)
                .findFirst().orElseThrow();
        char flipped = privateBody.charAt(30) == 'A' ? 'B' : 'A';
        String[] corruptions = {
                "",
                "garbage\n",
                good.substring(0, good.length() / 2), // truncated
                good.replace("-----END PUBLIC KEY-----\n", ""), // block without END
                good.substring(0, good.indexOf("-----BEGIN PUBLIC KEY-----")), // no public key
                good + good.substring(good.indexOf("-----BEGIN PUBLIC KEY-----")), // two public keys
                good.replace("PRIVATE KEY", "RSA PRIVATE KEY"), // unknown block
                good.replace(privateBody, privateBody.substring(0, 30) + flipped + privateBody.substring(31)),
                good.replace(privateBody, privateBody.substring(0, 30) + "*" + privateBody.substring(31)),
                good.replace(privateBody, "AAAA"), // valid base64, not PKCS#8
        };
        for (String corrupted : corruptions) {
            Files.writeString(file, corrupted);
            assertThatThrownBy(() -> NodeIdentity.loadOrCreate(file)).as("content %s", corrupted)
                    .isInstanceOf(IOException.class).hasMessageContaining(file.toString());
        }
    }

    @Test
    void refusesOversizedFile() throws IOException {
        Path file = dir.resolve("node.key");
        Files.write(file, new byte[100_000]);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> NodeIdentity.load(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("100000 bytes");
    }

    @Test
    void ignoresCommentsAndBlankLines() throws Exception {
        Path file = dir.resolve("node.key");
        PeerId id = NodeIdentity.loadOrCreate(file).peerId();
        String text = "\n# another comment\n\n" + Files.readString(file).replace("-----END PRIVATE KEY-----\n",
                "-----END PRIVATE KEY-----\n\n   \n");
        assertThat(NodeIdentity.parse(text).peerId()).isEqualTo(id);
    }

    @Test
    void signAndVerify() {
        NodeIdentity a = NodeIdentity.generate();
        NodeIdentity b = NodeIdentity.generate();
        byte[] data = "transcript".getBytes(StandardCharsets.US_ASCII);
        byte[] sig = a.sign(data);
        assertThat(sig).hasSize(NodeIdentity.SIGNATURE_LENGTH);
        assertThat(NodeIdentity.verify(a.peerId(), data, sig)).isTrue();
        assertThat(NodeIdentity.verify(b.peerId(), data, sig)).isFalse();
        byte[] other = data.clone();
        other[0] ^= 1;
        assertThat(NodeIdentity.verify(a.peerId(), other, sig)).isFalse();
        byte[] badSig = sig.clone();
        badSig[63] ^= 1;
        assertThat(NodeIdentity.verify(a.peerId(), data, badSig)).isFalse();
        assertThat(NodeIdentity.verify(a.peerId(), data, Arrays.copyOf(sig, 63))).isFalse();
        assertThat(NodeIdentity.verify(a.peerId(), data, null)).isFalse();
    }

    @Test
    void verifyWithAKeyThatIsNoCurvePointIsFalseNotAnException() {
        byte[] raw = new byte[32];
        Arrays.fill(raw, (byte) 0xFF);
        raw[31] = 0x7F; // y = 2^255 - 1 >= p: not a canonical point encoding
        assertThat(NodeIdentity.verify(PeerId.of(raw), new byte[] {1}, new byte[64])).isFalse();
        assertThat(NodeIdentity.verify(PeerId.of(new byte[32]), new byte[] {1}, new byte[64])).isFalse();
    }

    @Test
    void ofRejectsMismatchedPair() {
        NodeIdentity a = NodeIdentity.generate();
        NodeIdentity b = NodeIdentity.generate();
        assertThat(NodeIdentity.of(new KeyPair(a.publicKey(), a.privateKey())).peerId()).isEqualTo(a.peerId());
        assertThatThrownBy(() -> NodeIdentity.of(new KeyPair(b.publicKey(), a.privateKey())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not belong");
        assertThat(a.toString()).contains(a.peerId().toString()).doesNotContain("PRIVATE");
    }
}
