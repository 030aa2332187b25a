package org.multiserver.address;

import java.util.List;

/**
 * One way to reach a peer: a transport section followed by zero or more transform sections, joined by {@code ~}.
 * {@code net:localhost:8008~shs:KEY} is a {@code net} transport with one {@code shs} transform.
 */
public record Address(List<Section> sections) {

    public Address {
        sections = List.copyOf(sections);
        if (sections.isEmpty()) {
            throw new IllegalArgumentException("an address needs at least one section");
        }
    }

    public static Address of(Section... sections) {
        return new Address(List.of(sections));
    }

    /**
     * Parses text that must hold exactly one address (no {@code ;}).
     *
     * @throws AddressSyntaxException when the text is not one well-formed address
     */
    public static Address parse(String text) {
        MultiAddress multi = MultiAddress.parse(text);
        if (multi.alternatives().size() != 1) {
            int column = AddressText.firstUnescaped(text, ';') + 1;
            throw new AddressSyntaxException(text, column, "expected a single address, found ';'");
        }
        return multi.alternatives().get(0);
    }

    /** The first section, naming the transport. */
    public Section transport() {
        return sections.get(0);
    }

    /** The sections after the transport, in order. */
    public List<Section> transforms() {
        return sections.subList(1, sections.size());
    }

    /** The protocol names in order, the shape of the stack this address needs: {@code [net, shs]}. */
    public List<String> names() {
        return sections.stream().map(Section::name).toList();
    }

    @Override
    public String toString() {
        return appendTo(new StringBuilder(64)).toString();
    }

    /** Appends {@link #toString()} to {@code out}: one builder for a whole address. */
    StringBuilder appendTo(StringBuilder out) {
        for (int i = 0; i < sections.size(); i++) {
            if (i > 0) {
                out.append('~');
            }
            sections.get(i).appendTo(out);
        }
        return out;
    }
}
