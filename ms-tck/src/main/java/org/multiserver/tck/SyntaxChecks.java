package org.multiserver.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.multiserver.address.AddressSyntaxException;
import org.multiserver.address.MultiAddress;
import org.multiserver.address.Section;

/**
 * The malformed-section rule, shared by transports and transforms. The sample is not parsed alone but inside a
 * longer address, as the platform meets it (a second alternative, after other sections), so the check can tell an
 * error raised with {@code section.syntaxError} (which points into the text the user gave) from one a plugin built
 * from its own idea of the text (whose column points somewhere else, or into nothing).
 */
final class SyntaxChecks {
    /** Where a transport's sample goes: first section of the second alternative. */
    static final String BEFORE_TRANSPORT = "tck-other:x;";
    /** Where a transform's sample goes: second section of the second alternative. */
    static final String BEFORE_TRANSFORM = "tck-other:x;tck-carrier:y~";

    private SyntaxChecks() {
    }

    /**
     * Each of {@code foreign} (sections named for other protocols) must give {@code Optional.empty()} from
     * {@code parse}, neither accepted nor thrown, so the platform can try the next alternative.
     */
    static void ignoresForeign(List<Section> foreign, Function<Section, Optional<?>> parse) {
        for (Section section : foreign) {
            Optional<?> parsed;
            try {
                parsed = parse.apply(section);
            } catch (RuntimeException e) {
                throw new AssertionError("parse('" + section + "') threw " + e + ": a section named for another"
                        + " protocol must give Optional.empty(), so the platform can try the next alternative", e);
            }
            assertTrue(parsed.isEmpty(), "parse('" + section + "') accepted a section of another protocol");
        }
    }

    /** Checks that {@code parse} rejects {@code sample}, placed after {@code before}; returns the error it raised. */
    static AddressSyntaxException rejects(String name, String sample, String before,
                                          Function<Section, Optional<?>> parse) {
        String full = before + sample;
        MultiAddress parsed;
        try {
            parsed = MultiAddress.parse(full);
        } catch (AddressSyntaxException e) {
            throw new AssertionError("the malformed sample '" + sample + "' does not pass the address grammar ("
                    + e.reason() + "): list sections the grammar accepts and the plugin rejects", e);
        }
        int index = before.endsWith("~") ? 1 : 0;
        List<Section> sections = parsed.alternatives().get(parsed.alternatives().size() - 1).sections();
        if (parsed.alternatives().size() != 2 || sections.size() != index + 1) {
            throw new AssertionError("the malformed sample '" + sample + "' must be a single section");
        }
        Section section = sections.get(index);
        if (!section.name().equals(name)) {
            throw new AssertionError("the malformed sample '" + sample + "' is named '" + section.name()
                    + "', not '" + name + "'");
        }
        int first = before.length() + 1;
        int last = full.length() + 1;
        Optional<?> result;
        try {
            result = parse.apply(section);
        } catch (AddressSyntaxException e) {
            assertEquals(full, e.input(), "the syntax error for '" + sample + "' quotes '" + e.input()
                    + "' instead of the address the user gave ('" + full + "'): raise it with"
                    + " section.syntaxError(item, reason)");
            assertTrue(e.column() >= first && e.column() <= last, "the syntax error for '" + sample + "' points at"
                    + " column " + e.column() + ", outside the section (columns " + first + " to " + last + " of '"
                    + full + "')");
            return e;
        } catch (RuntimeException e) {
            throw new AssertionError("parse('" + sample + "') threw " + e + " instead of an AddressSyntaxException"
                    + " with a column", e);
        }
        throw new AssertionError("parse('" + sample + "') " + (result.isEmpty() ? "said 'not mine'" : "accepted it")
                + ": a malformed section named for this plugin must throw AddressSyntaxException via"
                + " section.syntaxError(item, reason)");
    }
}
