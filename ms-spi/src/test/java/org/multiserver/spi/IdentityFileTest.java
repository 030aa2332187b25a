package org.multiserver.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Identity#load} and {@link Identity#loadOrCreate}: the one reader of key files, for ms-cli and shs. */
class IdentityFileTest {
    // RFC 8032, section 7.1, TEST 1.
    private static final byte[] SEED = HexFormat.of().parseHex(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    private static final byte[] PUBLIC = HexFormat.of().parseHex(
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");

    @TempDir
    Path dir;

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] secret(byte[] publicHalf) {
        byte[] secret = new byte[64];
        System.arraycopy(SEED, 0, secret, 0, 32);
        System.arraycopy(publicHalf, 0, secret, 32, 32);
        return secret;
    }

    private Path ssb(byte[] secret) throws IOException {
        return Files.writeString(dir.resolve("secret"), """
                # this is your SECRET name.
                {
                  "curve": "ed25519",
                  "public": "%1$s.ed25519",
                  "private": "%2$s.ed25519",
                  "id": "@%1$s.ed25519"
                }
                """.formatted(b64(PUBLIC), b64(secret)));
    }

    @Test
    void readsAnSsbSecretFileAndRefusesOneWhosePublicHalfIsNotItsSeeds() throws Exception {
        assertThat(Identity.load(ssb(secret(PUBLIC)))).isEqualTo(Identity.fromSeed(SEED));

        // Another key's public half (RFC 8032 TEST 2), a point on the curve, and a byte of ours changed, which is not.
        byte[] another = HexFormat.of().parseHex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
        byte[] changed = PUBLIC.clone();
        changed[5] ^= 1;
        for (byte[] wrong : new byte[][]{another, changed}) {
            Path tampered = ssb(secret(wrong));
            assertThatThrownBy(() -> Identity.load(tampered)).isInstanceOf(IOException.class)
                    .hasMessage("key file " + tampered + ": the secret key's public half does not match its seed");
        }
    }

    @Test
    void readsBase64OfASeedOrASecretKeyStandardOrUrlSafe() throws Exception {
        Path seed = Files.writeString(dir.resolve("seed"), b64(SEED) + "\n");
        assertThat(Identity.load(seed)).isEqualTo(Identity.fromSeed(SEED));
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(secret(PUBLIC));
        Path secret = Files.writeString(dir.resolve("url"), urlSafe);
        assertThat(Identity.load(secret)).isEqualTo(Identity.fromSeed(SEED));
    }

    @Test
    void errorsNameTheFile() throws Exception {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> Identity.load(missing))
                .hasMessage("cannot read key file " + missing + ": no such file");
        Path json = Files.writeString(dir.resolve("json"), "{\"curve\": \"ed25519\"}");
        assertThatThrownBy(() -> Identity.load(json))
                .hasMessage("key file " + json + " is JSON without a \"private\" key");
        Path junk = Files.writeString(dir.resolve("junk"), "not a key at all");
        assertThatThrownBy(() -> Identity.load(junk)).hasMessage("key file " + junk
                + " holds neither an SSB secret nor base64 of a 32-byte seed or 64-byte secret key");
    }

    @Test
    void createsAnOwnerOnlySsbSecretFileThatReadsBackWithItsOwnPublicKey() throws Exception {
        Path file = dir.resolve("folder").resolve("secret");
        Identity created = Identity.loadOrCreate(file);

        assertThat(Identity.loadOrCreate(file)).isEqualTo(created);
        assertThat(Identity.load(file)).isEqualTo(created); // a wrong public half would be refused here
        String text = Files.readString(file);
        Matcher m = Pattern.compile("\"public\": \"([^\"]+)\\.ed25519\"[\\s\\S]*\"private\": \"([^\"]+)\\.ed25519\"")
                .matcher(text);
        assertThat(m.find()).isTrue();
        byte[] secret = Base64.getDecoder().decode(m.group(2));
        assertThat(Base64.getDecoder().decode(m.group(1))).isEqualTo(java.util.Arrays.copyOfRange(secret, 32, 64));
        assertThat(text).contains("\"id\": \"@" + m.group(1) + ".ed25519\"");
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                    .isEqualTo("rwx------");
        }
    }
}
