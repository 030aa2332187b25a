package org.multiserver.tor.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keys for the relays of a {@link PrivateTorNetwork}, made with Debian's own tools before any tor starts: an
 * authority's v3 identity and certificate ({@code tor-gencert}), and each relay's identity fingerprint ({@code tor
 * --list-fingerprint}, which creates the relay's keys in its data directory). The processes of one step run side by
 * side: key generation costs a CPU-second or so per authority.
 */
final class TorKeys {
    private static final Pattern CERT_FINGERPRINT = Pattern.compile("(?m)^fingerprint ([0-9A-F]{40})$");
    private static final Pattern RELAY_FINGERPRINT = Pattern.compile("^\\S+ ([0-9A-F]{40})\\s*$");

    private TorKeys() {
    }

    /** Sets each authority's {@code v3ident}, from a certificate valid for 12 months (we only need minutes). */
    static void authorityCertificates(List<PrivateTorNetwork.Relay> authorities) throws Exception {
        List<Process> running = new ArrayList<>();
        for (PrivateTorNetwork.Relay a : authorities) {
            Path keys = Files.createDirectories(a.data.resolve("keys"));
            Process p = new ProcessBuilder("tor-gencert", "--create-identity-key", "--passphrase-fd", "0", "-m", "12",
                    "-a", "127.0.0.1:" + a.dirPort,
                    "-i", keys.resolve("authority_identity_key").toString(),
                    "-s", keys.resolve("authority_signing_key").toString(),
                    "-c", keys.resolve("authority_certificate").toString())
                    .directory(keys.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().write('\n'); // an empty passphrase, as tor reads the key unencrypted
            p.getOutputStream().close();
            running.add(p);
        }
        for (int i = 0; i < authorities.size(); i++) {
            PrivateTorNetwork.Relay a = authorities.get(i);
            finish(running.get(i), "tor-gencert for " + a.nick);
            String cert = Files.readString(a.data.resolve("keys/authority_certificate"), StandardCharsets.US_ASCII);
            Matcher m = CERT_FINGERPRINT.matcher(cert);
            if (!m.find()) {
                throw new IOException("no fingerprint line in " + a.nick + "'s authority certificate");
            }
            a.v3ident = m.group(1);
        }
    }

    /** Sets each relay's identity fingerprint, creating its keys in its data directory. */
    static void fingerprints(List<PrivateTorNetwork.Relay> relays) throws Exception {
        Path empty = Files.createTempFile(relays.get(0).data.getParent(), "empty", ".torrc");
        List<Process> running = new ArrayList<>();
        for (PrivateTorNetwork.Relay r : relays) {
            running.add(new ProcessBuilder("tor", "--list-fingerprint", "-f", empty.toString(),
                    "--defaults-torrc", empty.toString(), "--DataDirectory", r.data.toString(),
                    "--Nickname", r.nick, "--ORPort", "127.0.0.1:" + r.orPort, "--Address", "127.0.0.1",
                    "--Log", "warn stderr").redirectErrorStream(true).start());
        }
        for (int i = 0; i < relays.size(); i++) {
            PrivateTorNetwork.Relay r = relays.get(i);
            finish(running.get(i), "tor --list-fingerprint for " + r.nick);
            // The file holds "<nickname> <40 hex digits>".
            String line = Files.readString(r.data.resolve("fingerprint"), StandardCharsets.US_ASCII).trim();
            Matcher m = RELAY_FINGERPRINT.matcher(line);
            if (!m.matches()) {
                throw new IOException("unexpected fingerprint file of " + r.nick + ": " + line);
            }
            r.fingerprint = m.group(1);
        }
    }

    private static void finish(Process p, String what) throws Exception {
        try {
            // Waits first and reads after: their output is a few lines, far below a pipe's buffer.
            boolean ended = p.waitFor(60, TimeUnit.SECONDS);
            if (!ended || p.exitValue() != 0) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IOException(what + (ended ? " failed: " : " did not end within 60 s: ")
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
