package org.multiserver.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;

/**
 * A self-signed EC certificate for 127.0.0.1 and localhost from the JDK's {@code keytool} (nothing to install), as
 * the PEM files a wss server takes: {@code cert.pem}, which the client trusts too, and the PKCS#8 {@code key.pem}.
 */
record KeytoolCertificate(Path cert, Path key) {
    private static final String PASSWORD = "conformance";

    static KeytoolCertificate create(Path dir) throws IOException, InterruptedException {
        Path store = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process run = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-validity", "1", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD))
                .redirectErrorStream(true).start();
        String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (run.waitFor() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        KeytoolCertificate pem = new KeytoolCertificate(dir.resolve("cert.pem"), dir.resolve("key.pem"));
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, PASSWORD.toCharArray());
            Files.writeString(pem.cert(), pem("CERTIFICATE", keys.getCertificate("server").getEncoded()));
            Files.writeString(pem.key(), pem("PRIVATE KEY",
                    keys.getKey("server", PASSWORD.toCharArray()).getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read what keytool wrote to " + store, e);
        }
        return pem;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
