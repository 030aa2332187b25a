package org.multiserver.address;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One section of an address: a protocol name and its data items, unescaped. {@code net:localhost:8008} is the
 * section named {@code net} with the items {@code localhost} and {@code 8008}.
 *
 * <p>A section parsed from text remembers where it came from, so a plugin that finds an item it cannot use can
 * report the error at that item's column of the original input ({@link #syntaxError(int, String)}). That origin
 * is not part of equality: two sections are equal when their names and items are.
 */
public final class Section {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]+");

    private final String name;
    private final List<String> data;
    /** The text this section was parsed from, or null when built in code. */
    private final String source;
    /** 1-based columns in {@link #source}: [0] is the name, [i + 1] is data item i. */
    private final int[] columns;

    private Section(String name, List<String> data, String source, int[] columns) {
        this.name = name;
        this.data = data;
        this.source = source;
        this.columns = columns;
    }

    /**
     * A section built in code.
     *
     * @throws IllegalArgumentException if the name is not {@code [a-z][a-z0-9-]+} or an item holds a character that
     *                                  no address can carry (control characters, space, non-ASCII)
     */
    public static Section of(String name, List<String> data) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a protocol name (expected [a-z][a-z0-9-]+): '" + name + "'");
        }
        List<String> items = List.copyOf(data);
        for (String item : items) {
            for (int i = 0; i < item.length(); i++) {
                if (!AddressText.isItemChar(item.charAt(i)) && !AddressText.isEscapable(item.charAt(i))) {
                    throw new IllegalArgumentException("data item '" + item + "' holds character "
                            + AddressText.describe(item.charAt(i)) + ", which an address cannot carry");
                }
            }
        }
        return new Section(name, items, null, null);
    }

    /** A section built in code: {@code Section.of("net", "localhost", "8008")}. */
    public static Section of(String name, String... data) {
        return of(name, List.of(data));
    }

    /** Used by the parser: items already unescaped, columns point into {@code source}. */
    static Section parsed(String name, List<String> data, String source, int[] columns) {
        return new Section(name, List.copyOf(data), source, columns.clone());
    }

    /** Parses text that must hold exactly one section, such as {@code shs:KEY}. */
    public static Section parse(String text) {
        Address address = Address.parse(text);
        if (address.sections().size() != 1) {
            // The first unescaped '~': an item may hold an escaped one ("shs:a!~b~x").
            int column = AddressText.firstUnescaped(text, '~') + 1;
            throw new AddressSyntaxException(text, column, "expected a single section, found '~'");
        }
        return address.sections().get(0);
    }

    /** The protocol name, such as {@code net} or {@code shs}. */
    public String name() {
        return name;
    }

    /** The data items, unescaped; may be empty, items may be empty strings. */
    public List<String> data() {
        return data;
    }

    /** Data item {@code index}, or null when the section has fewer items. */
    public String item(int index) {
        return index < data.size() ? data.get(index) : null;
    }

    /**
     * The error a plugin throws when data item {@code itemIndex} is unusable, naming the original input and the
     * column of that item. An index equal to the number of items points just past the section (a missing item).
     */
    public AddressSyntaxException syntaxError(int itemIndex, String reason) {
        if (source != null) {
            int column = itemIndex < 0 ? columns[0]
                    : itemIndex < data.size() ? columns[itemIndex + 1]
                    : endColumn();
            return new AddressSyntaxException(source, column, reason);
        }
        String text = toString();
        int column = 1 + name.length();
        int limit = Math.min(Math.max(itemIndex, 0), data.size());
        for (int i = 0; i < limit; i++) {
            column += 1 + AddressText.escape(data.get(i)).length();
        }
        return new AddressSyntaxException(text, itemIndex < 0 ? 1 : column + (itemIndex < data.size() ? 1 : 0),
                reason);
    }

    private int endColumn() {
        int column = columns[0] + name.length();
        if (!data.isEmpty()) {
            column = columns[data.size()] + AddressText.escape(data.get(data.size() - 1)).length();
        }
        return column;
    }

    /** The original input this section was parsed from, or its own text when it was built in code. */
    public String source() {
        return source != null ? source : toString();
    }

    /** The canonical text: {@code name:item:item} with {@code ! ~ : ;} escaped by {@code !}. */
    @Override
    public String toString() {
        return appendTo(new StringBuilder(32)).toString();
    }

    /** Appends {@link #toString()} to {@code out}: one builder for a whole address. */
    StringBuilder appendTo(StringBuilder out) {
        out.append(name);
        for (String item : data) {
            out.append(':');
            AddressText.escapeTo(item, out);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Section other && name.equals(other.name) && data.equals(other.data);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + data.hashCode();
    }
}
