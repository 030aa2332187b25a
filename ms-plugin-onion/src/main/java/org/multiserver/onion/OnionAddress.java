package org.multiserver.onion;

import io.netty.util.NetUtil;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.multiserver.address.Section;

/**
 * Host and port of an {@code onion:{host}:{port}} section, read as the JS plugin reads it: the port is the last
 * item, everything before it is the host (an empty host is {@code localhost}). A host ending in {@code .onion} must
 * be a valid v3 onion address; any other host name is passed to the proxy as it is, as the JS plugin allows.
 */
record OnionAddress(String host, int port) {
    static final String NAME = "onion";
    /** A v3 address: 56 base32 characters for the 35 bytes public key (32), checksum (2), version (1). */
    static final int V3_LENGTH = 56;
    private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
    private static final byte[] CHECKSUM_PREFIX = ".onion checksum".getBytes(StandardCharsets.US_ASCII);

    /** Parses a section to dial. */
    static OnionAddress parse(Section section) {
        List<String> items = section.data();
        if (items.size() < 2) {
            throw section.syntaxError(items.size(), "expected onion:{host}:{port}, as in onion:"
                    + (items.isEmpty() ? "<56 characters>.onion" : items.get(0)) + ":8008");
        }
        int portIndex = items.size() - 1;
        int port = port(section, portIndex);
        String host = String.join(":", items.subList(0, portIndex));
        if (host.isEmpty()) {
            return new OnionAddress("localhost", port);
        }
        if (host.indexOf(':') >= 0) {
            if (!NetUtil.isValidIpV6Address(host)) {
                throw section.syntaxError(0, "'" + host + "' is not an IPv6 address (a host name has no ':')");
            }
            return new OnionAddress(host, port);
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 0x80) && c != '.' && c != '-' && c != '_') {
                throw section.syntaxError(0, "'" + host + "' is not a host name (character '" + c + "')");
            }
        }
        String lower = host.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".onion")) {
            String problem = whyNotV3(lower);
            if (problem != null) {
                throw section.syntaxError(0, problem);
            }
            return new OnionAddress(lower, port); // base32 is case-blind; tor wants lower case
        }
        return new OnionAddress(host, port);
    }

    /** The canonical section: IPv6 hosts split at their colons, as JS peers print them. */
    Section section() {
        List<String> items = new ArrayList<>(Arrays.asList(host.split(":", -1)));
        items.add(Integer.toString(port));
        return Section.of(NAME, items);
    }

    private static int port(Section section, int index) {
        String text = section.data().get(index);
        int port = -1;
        if (!text.isEmpty() && text.length() <= 5 && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            port = Integer.parseInt(text);
        }
        if (port < 1 || port > 65535) {
            throw section.syntaxError(index, "'" + text + "' is not a port (a whole number from 1 to 65535)");
        }
        return port;
    }

    /**
     * Why {@code name} (lower case, ending in {@code .onion}) is not a v3 onion address, or null when it is. Names
     * below the address ({@code www.<address>.onion}) are allowed, as tor allows them.
     */
    static String whyNotV3(String name) {
        String withoutSuffix = name.substring(0, name.length() - ".onion".length());
        String label = withoutSuffix.substring(withoutSuffix.lastIndexOf('.') + 1);
        if (label.length() == 16) {
            return "'" + name + "' is a v2 onion address, which tor no longer supports (v3 addresses have "
                    + V3_LENGTH + " characters)";
        }
        if (label.length() != V3_LENGTH) {
            return "'" + name + "' is not a v3 onion address: expected " + V3_LENGTH
                    + " base32 characters before .onion, got " + label.length();
        }
        byte[] raw = fromBase32(label);
        if (raw == null) {
            return "'" + name + "' is not a v3 onion address: only a-z and 2-7 are base32 characters";
        }
        if (raw[34] != 3) {
            return "'" + name + "' is not a v3 onion address: its version byte is " + (raw[34] & 0xff)
                    + ", not 3";
        }
        byte[] expected = checksum(Arrays.copyOf(raw, 32));
        if (raw[32] != expected[0] || raw[33] != expected[1]) {
            return "'" + name + "' is not a v3 onion address: its checksum does not match (a typo?)";
        }
        return null;
    }

    /** SHA3-256(".onion checksum" || pubkey || version)[:2], from tor's rend-spec-v3. */
    private static byte[] checksum(byte[] publicKey) {
        try {
            MessageDigest sha3 = MessageDigest.getInstance("SHA3-256");
            sha3.update(CHECKSUM_PREFIX);
            sha3.update(publicKey);
            sha3.update((byte) 3);
            return sha3.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA3-256 is part of every Java 9+ runtime", e);
        }
    }

    /** RFC 4648 base32 without padding, lower case; null when a character is not base32. */
    private static byte[] fromBase32(String text) {
        byte[] out = new byte[text.length() * 5 / 8];
        long buffer = 0;
        int bits = 0;
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            int value = BASE32.indexOf(text.charAt(i));
            if (value < 0) {
                return null;
            }
            buffer = buffer << 5 | value;
            bits += 5;
            if (bits >= 8) {
                out[n++] = (byte) (buffer >>> (bits - 8));
                bits -= 8;
            }
        }
        return out;
    }
}
