package org.multiserver.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SectionTest {

    /** Finds the section named {@code name} in a parsed address. */
    private static Section parsedSection(String text, String name) {
        return MultiAddress.parse(text).alternatives().stream()
                .flatMap(address -> address.sections().stream())
                .filter(section -> section.name().equals(name))
                .findFirst().orElseThrow();
    }

    @ParameterizedTest(name = "{0}: {1} item {2} -> column {3}")
    @CsvSource(delimiter = '|', value = {
            "net:foo:99x          | net | 1  | 9",
            "net:foo:99x          | net | 0  | 5",
            "net:foo:99x          | net | -1 | 1",
            "net:foo:99x          | net | 2  | 12",
            "net:foo:99x          | net | 7  | 12",
            "shs:::               | shs | 0  | 5",
            "shs:::               | shs | 2  | 7",
            "shs:::               | shs | 3  | 7",
            "noauth               | noauth | 0 | 7",
            "shs:a!:b:c           | shs | 1  | 10",
            "shs:a!:b:c           | shs | 2  | 11",
            "net:a~shs:K!!Y       | shs | 0  | 11",
            "net:a~shs:K!!Y       | shs | 1  | 15",
            "net:a~shs:K;ws:b:c   | ws  | -1 | 13",
            "net:a~shs:K;ws:b:c   | ws  | 1  | 18",
    })
    void parsedSectionReportsItsItemColumnInTheOriginalInput(String text, String name, int item, int column) {
        AddressSyntaxException e = parsedSection(text, name).syntaxError(item, "bad item");

        assertThat(e.input()).isEqualTo(text);
        assertThat(e.column()).isEqualTo(column);
        assertThat(e.reason()).isEqualTo("bad item");
    }

    @Test
    void pluginErrorPointsAtTheItem() {
        Section net = MultiAddress.parse("net:foo:99x").alternatives().get(0).transport();

        assertThat(net.syntaxError(1, "port is not a number").getMessage())
                .isEqualTo("column 9: port is not a number\n  net:foo:99x\n          ^");
        assertThat(net.source()).isEqualTo("net:foo:99x");
    }

    @ParameterizedTest(name = "{0} item {1} -> column {2} of {3}")
    @CsvSource(delimiter = '|', value = {
            "net:foo:99x  | 1  | 9  | net:foo:99x",
            "net:foo:99x  | 0  | 5  | net:foo:99x",
            "net:foo:99x  | -1 | 1  | net:foo:99x",
            "net:foo:99x  | 2  | 12 | net:foo:99x",
            "noauth       | 0  | 7  | noauth",
            "shs:::       | 1  | 6  | shs:::",
            "shs:::       | 3  | 7  | shs:::",
    })
    void builtSectionReportsColumnsInItsOwnText(String text, int item, int column, String shown) {
        Section parsed = Section.parse(text);
        Section built = Section.of(parsed.name(), parsed.data());

        AddressSyntaxException e = built.syntaxError(item, "bad item");

        assertThat(e.input()).isEqualTo(shown);
        assertThat(e.column()).isEqualTo(column);
        assertThat(built.source()).isEqualTo(shown);
    }

    @Test
    void builtSectionColumnsCountEscapes() {
        Section shs = Section.of("shs", "a:b", "c");

        assertThat(shs.toString()).isEqualTo("shs:a!:b:c");
        assertThat(shs.syntaxError(1, "x").column()).isEqualTo(10);
        assertThat(shs.syntaxError(2, "x").column()).isEqualTo(11);
    }

    @Test
    void originIsNotPartOfEquality() {
        Section parsed = parsedSection("net:a~shs:K", "shs");

        assertThat(parsed).isEqualTo(Section.of("shs", "K")).hasSameHashCodeAs(Section.of("shs", "K"));
        assertThat(parsed).isNotEqualTo(Section.of("shs", "K", ""));
    }

    @Test
    void builtSectionsRejectWhatNoAddressCanCarry() {
        assertThatThrownBy(() -> Section.of("a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Section.of("Net")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Section.of("net", "a b")).hasMessageContaining("a space");
        assertThatThrownBy(() -> Section.of("net", "caf\u00e9")).hasMessageContaining("U+00E9");
        assertThat(Section.of("shs", List.of("!~:;", "")).toString()).isEqualTo("shs:!!!~!:!;:");
    }
}
