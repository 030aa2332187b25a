package org.multiserver.ws;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;

/**
 * A self-signed certificate for localhost, 127.0.0.1 and ::1, made by the JDK's own {@code keytool} (no openssl, no
 * extra library) and written as the PEM files a wss server is configured with: {@code cert.pem} (which a client
 * also trusts, as its own CA) and the unencrypted PKCS#8 {@code key.pem}.
 */
record TestCertificate(Path cert, Path key) {

    static TestCertificate create(Path dir) throws IOException, InterruptedException {
        Path store = dir.resolve("ws.p12");
        char[] password = "changeit".toCharArray();
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "ws", "-keyalg", "EC",
                "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1,ip:::1", "-validity", "2",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
                "-keypass", "changeit")).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, password);
            Key key = keys.getKey("ws", password);
            Certificate cert = keys.getCertificate("ws");
            TestCertificate pem = new TestCertificate(dir.resolve("cert.pem"), dir.resolve("key.pem"));
            Files.writeString(pem.cert(), pem("CERTIFICATE", cert.getEncoded()));
            Files.writeString(pem.key(), pem("PRIVATE KEY", key.getEncoded()));
            return pem;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot read the keystore keytool wrote", e);
        }
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
