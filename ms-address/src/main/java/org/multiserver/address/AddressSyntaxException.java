package org.multiserver.address;

/**
 * The one error for text that is not a well-formed address, or a section a plugin cannot use. It carries the input,
 * the 1-based column of the problem and a reason; its message shows the input with a caret under that column:
 *
 * <pre>
 * column 18: expected a protocol name after '~'
 *   net:host.com:8008~
 *                    ^
 * </pre>
 */
public final class AddressSyntaxException extends IllegalArgumentException {
    private static final int SHOWN = 120;

    private final String input;
    private final int column;
    private final String reason;

    public AddressSyntaxException(String input, int column, String reason) {
        super(message(input, column, reason));
        this.input = input;
        this.column = column;
        this.reason = reason;
    }

    /** The text that failed to parse. */
    public String input() {
        return input;
    }

    /** The 1-based column of the problem; {@code input().length() + 1} means "at the end". */
    public int column() {
        return column;
    }

    /** The reason alone, in words, without the column or the caret line. */
    public String reason() {
        return reason;
    }

    private static String message(String input, int column, String reason) {
        // Show a window of the input around the column, printable, so a 4 KiB address stays readable.
        int from = Math.max(0, Math.min(column - 1 - SHOWN / 2, input.length() - SHOWN));
        int to = Math.min(input.length(), from + SHOWN);
        StringBuilder shown = new StringBuilder();
        if (from > 0) {
            shown.append("...");
        }
        int caret = shown.length() + (column - 1 - from);
        for (int i = from; i < to; i++) {
            char c = input.charAt(i);
            shown.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (to < input.length()) {
            shown.append("...");
        }
        return "column " + column + ": " + reason + "\n  " + shown + "\n  " + " ".repeat(Math.max(0, caret)) + "^";
    }
}
