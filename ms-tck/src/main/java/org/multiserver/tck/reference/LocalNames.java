package org.multiserver.tck.reference;

import java.util.regex.Pattern;
import org.multiserver.address.Section;

/** The grammar of {@code local} sections, kept apart so dialling and listening read names the same way. */
final class LocalNames {
    static final int MAX_LENGTH = 64;
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0," + (MAX_LENGTH - 1) + "}");

    private LocalNames() {
    }

    /** The name to dial in {@code local:<name>}; the section must be named {@code local}. */
    static String forDialling(Section section) {
        if (section.data().isEmpty()) {
            throw section.syntaxError(0, "expected local:{name}");
        }
        if (section.data().size() > 1) {
            throw section.syntaxError(1, "a local address has one item, the name");
        }
        return checked(section, section.item(0));
    }

    /** The name to bind from a listen spec: {@code local} alone means "pick a fresh name" and gives null. */
    static String forListening(Section section) {
        if (section.data().isEmpty()) {
            return null;
        }
        return forDialling(section);
    }

    private static String checked(Section section, String name) {
        if (!NAME.matcher(name).matches()) {
            String hint = name.chars().anyMatch(Character::isUpperCase) ? " (names are lower case)" : "";
            throw section.syntaxError(0, "'" + name + "' is not a local name: 1 to " + MAX_LENGTH
                    + " of a-z, 0-9 and '-', not starting with '-'" + hint);
        }
        return name;
    }
}
