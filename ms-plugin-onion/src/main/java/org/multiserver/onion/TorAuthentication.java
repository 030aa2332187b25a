package org.multiserver.onion;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Logs in to tor's control port the way tor offers (its PROTOCOLINFO answer): a password when one is configured,
 * else SAFECOOKIE (which also proves that the other end is the tor that wrote the cookie, so a stranger listening
 * on the port learns nothing), else plain COOKIE, else no authentication at all.
 */
final class TorAuthentication {
    private static final String SERVER_KEY = "Tor safe cookie authentication server-to-controller hash";
    private static final String CLIENT_KEY = "Tor safe cookie authentication controller-to-server hash";
    private static final int COOKIE_LENGTH = 32;
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private TorAuthentication() {
    }

    /** What PROTOCOLINFO said: the methods tor accepts and where its cookie is. */
    record ProtocolInfo(List<String> methods, String cookieFile) {
        static ProtocolInfo parse(TorControl.Reply reply) throws IOException {
            for (String line : reply.lines()) {
                if (!line.startsWith("AUTH ")) {
                    continue;
                }
                List<String> methods = List.of();
                String cookieFile = null;
                int i = "AUTH ".length();
                while (i < line.length()) {
                    int eq = line.indexOf('=', i);
                    if (eq < 0) {
                        break;
                    }
                    String key = line.substring(i, eq);
                    int valueStart = eq + 1;
                    String value;
                    int end;
                    if (valueStart < line.length() && line.charAt(valueStart) == '"') {
                        StringBuilder text = new StringBuilder();
                        end = unquote(line, valueStart, text);
                        value = text.toString();
                    } else {
                        end = line.indexOf(' ', valueStart);
                        end = end < 0 ? line.length() : end;
                        value = line.substring(valueStart, end);
                    }
                    if (key.equals("METHODS")) {
                        methods = List.of(value.split(","));
                    } else if (key.equals("COOKIEFILE")) {
                        cookieFile = value;
                    }
                    i = end + 1;
                }
                return new ProtocolInfo(methods, cookieFile);
            }
            throw new IOException("tor's PROTOCOLINFO answer has no AUTH line: " + reply);
        }

        /** Reads a control-spec QuotedString starting at {@code start}; returns the index after its closing quote. */
        private static int unquote(String line, int start, StringBuilder out) throws IOException {
            for (int i = start + 1; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c == '\\' && i + 1 < line.length()) {
                    char next = line.charAt(++i);
                    out.append(switch (next) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        case 'r' -> '\r';
                        default -> next;
                    });
                } else if (c == '"') {
                    return i + 1;
                } else {
                    out.append(c);
                }
            }
            throw new IOException("tor's PROTOCOLINFO answer has an unterminated quoted string: " + line);
        }
    }

    /**
     * Authenticates on {@code control}. {@code password} wins when given; {@code cookieFile} overrides the path tor
     * names.
     */
    static CompletableFuture<Void> authenticate(TorControl control, String password, String cookieFile) {
        String where = "tor's control port at " + control.endpoint();
        return control.expectOk("PROTOCOLINFO 1").thenCompose(reply -> {
            ProtocolInfo info;
            try {
                info = ProtocolInfo.parse(reply);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
            List<String> methods = info.methods();
            String cookiePath = cookieFile != null ? cookieFile : info.cookieFile();
            if (password != null) {
                if (!methods.contains("HASHEDPASSWORD")) {
                    return failed(where + " takes no password (it offers " + String.join(", ", methods)
                            + "): remove onion.control-password or set HashedControlPassword in torrc");
                }
                return login(control, where, "AUTHENTICATE " + quote(password), "the password");
            }
            if (methods.contains("SAFECOOKIE") && cookiePath != null) {
                return safeCookie(control, where, cookiePath);
            }
            if (methods.contains("COOKIE") && cookiePath != null) {
                return readCookie(cookiePath).thenCompose(cookie -> login(control, where,
                        "AUTHENTICATE " + HEX.formatHex(cookie), "the cookie of " + cookiePath));
            }
            if (methods.contains("NULL")) {
                return login(control, where, "AUTHENTICATE", "no credentials");
            }
            if (methods.contains("HASHEDPASSWORD")) {
                return failed(where + " wants a password: set onion.control-password");
            }
            return failed(where + " offers no authentication method this client knows: " + methods);
        });
    }

    private static CompletableFuture<Void> safeCookie(TorControl control, String where, String cookiePath) {
        byte[] clientNonce = new byte[32];
        new SecureRandom().nextBytes(clientNonce);
        return readCookie(cookiePath).thenCompose(cookie -> control.send("AUTHCHALLENGE SAFECOOKIE "
                + HEX.formatHex(clientNonce)).thenCompose(reply -> {
                    if (!reply.ok()) {
                        return failed(where + " refused AUTHCHALLENGE: " + reply);
                    }
                    String line = reply.lines().get(0);
                    String serverHash = field(line, "SERVERHASH");
                    String serverNonce = field(line, "SERVERNONCE");
                    if (serverHash == null || serverNonce == null) {
                        return failed(where + " sent an AUTHCHALLENGE answer without hash and nonce: " + line);
                    }
                    byte[] message = concat(cookie, clientNonce, HexFormat.of().parseHex(serverNonce));
                    byte[] expected = hmac(SERVER_KEY, message);
                    if (!MessageDigest.isEqual(expected, HexFormat.of().parseHex(serverHash))) {
                        return failed(where + " answered AUTHCHALLENGE with a hash that does not match the cookie"
                                + " in " + cookiePath + ": a stale cookie file, or not the tor that wrote it");
                    }
                    return login(control, where, "AUTHENTICATE " + HEX.formatHex(hmac(CLIENT_KEY, message)),
                            "the cookie of " + cookiePath);
                }));
    }

    private static CompletableFuture<Void> login(TorControl control, String where, String command, String with) {
        return control.send(command).thenCompose(reply -> reply.ok()
                ? CompletableFuture.completedFuture(null)
                : failed(where + " refused authentication with " + with + ": " + reply));
    }

    private static CompletableFuture<byte[]> readCookie(String path) {
        byte[] cookie;
        try {
            cookie = Files.readAllBytes(Path.of(path));
        } catch (NoSuchFileException e) {
            return failed("tor's cookie file " + path + " does not exist (set onion.cookie-file if tor sees it"
                    + " under another path)");
        } catch (AccessDeniedException e) {
            return failed("cannot read tor's cookie file " + path + ": permission denied (run as a member of tor's"
                    + " group, debian-tor on Debian, or use a password: onion.control-password)");
        } catch (IOException e) {
            return failed("cannot read tor's cookie file " + path + ": " + e.getMessage());
        }
        if (cookie.length != COOKIE_LENGTH) {
            return failed("tor's cookie file " + path + " holds " + cookie.length + " bytes, not " + COOKIE_LENGTH);
        }
        return CompletableFuture.completedFuture(cookie);
    }

    /** {@code KEY=value} out of a line of space-separated fields. */
    private static String field(String line, String key) {
        for (String part : line.split(" ")) {
            if (part.startsWith(key + "=")) {
                return part.substring(key.length() + 1);
            }
        }
        return null;
    }

    /** A control-spec QuotedString: backslash before quotes and backslashes. */
    static String quote(String text) {
        if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a tor control password holds no line breaks");
        }
        return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static byte[] hmac(String key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(java.nio.charset.StandardCharsets.US_ASCII), "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static <T> CompletableFuture<T> failed(String message) {
        return CompletableFuture.failedFuture(new IOException(message));
    }
}
