package org.multiserver.address;

import java.util.List;

/**
 * A full multiserver address: alternatives joined by {@code ;}, each a way to reach the same peer.
 *
 * <p>{@code parse(format(x)).equals(x)} holds for every model, and {@link #toString()} is the canonical text.
 */
public record MultiAddress(List<Address> alternatives) {

    /** Longest input {@link #parse} accepts; addresses come from strangers. */
    public static final int MAX_LENGTH = 4096;

    public MultiAddress {
        alternatives = List.copyOf(alternatives);
        if (alternatives.isEmpty()) {
            throw new IllegalArgumentException("a multiserver address needs at least one alternative");
        }
    }

    public static MultiAddress of(Address... alternatives) {
        return new MultiAddress(List.of(alternatives));
    }

    /**
     * Parses an address such as {@code net:example.com:8008~shs:KEY;ws://example.com:8989~shs:KEY}.
     *
     * @throws AddressSyntaxException with the column and a reason when the text is not a well-formed address
     */
    public static MultiAddress parse(String text) {
        return AddressParser.parse(text);
    }

    /** The canonical text, with {@code ! ~ : ;} inside data items escaped by {@code !}. */
    public String format() {
        return toString();
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(128);
        for (int i = 0; i < alternatives.size(); i++) {
            if (i > 0) {
                out.append(';');
            }
            alternatives.get(i).appendTo(out);
        }
        return out.toString();
    }
}
