package org.multiserver.address;

/** Character classes and escaping of the address language, shared by the model and the parser. */
final class AddressText {
    private AddressText() {
    }

    /** Printable ASCII that may stand unescaped in a data item. */
    static boolean isItemChar(char c) {
        return c > 0x20 && c < 0x7f && !isEscapable(c);
    }

    /** The characters {@code !} escapes: the separators and itself. */
    static boolean isEscapable(char c) {
        return c == '!' || c == '~' || c == ':' || c == ';';
    }

    static String escape(String item) {
        StringBuilder out = new StringBuilder(item.length() + 4);
        escapeTo(item, out);
        return out.toString();
    }

    static void escapeTo(String item, StringBuilder out) {
        // Most items (hosts, ports, keys) hold nothing to escape: append them whole.
        if (!needsEscape(item)) {
            out.append(item);
            return;
        }
        for (int i = 0; i < item.length(); i++) {
            char c = item.charAt(i);
            if (isEscapable(c)) {
                out.append('!');
            }
            out.append(c);
        }
    }

    private static boolean needsEscape(String item) {
        for (int i = 0; i < item.length(); i++) {
            if (isEscapable(item.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** Reverses {@link #escape} on text the grammar accepted (every {@code !} is followed by an escapable char). */
    static String unescape(String raw) {
        int bang = raw.indexOf('!');
        if (bang < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '!' && i + 1 < raw.length()) {
                c = raw.charAt(++i);
            }
            out.append(c);
        }
        return out.toString();
    }

    /** Index of the first {@code c} not escaped by {@code !}, or -1. */
    static int firstUnescaped(String text, char c) {
        for (int i = 0; i < text.length(); i++) {
            char at = text.charAt(i);
            if (at == '!') {
                i++;
            } else if (at == c) {
                return i;
            }
        }
        return -1;
    }

    /** A character named for an error message: {@code 'x'}, or its code point when it is not printable. */
    static String describe(int c) {
        if (c >= 0x21 && c < 0x7f) {
            return "'" + (char) c + "'";
        }
        if (c == ' ') {
            return "a space";
        }
        return String.format("U+%04X", c);
    }
}
