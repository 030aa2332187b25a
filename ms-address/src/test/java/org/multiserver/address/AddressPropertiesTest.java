package org.multiserver.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Generated models and hostile text. The number of tries comes from {@code jqwik.tries.default}, which the build sets
 * from {@code -Djqwik.tries} (2000 unless told otherwise).
 */
class AddressPropertiesTest {
    /** A parse that does not return within this is taken as a hang. Generous: it is not a speed test. */
    private static final long HANG_SECONDS = 10;
    /** Runs the parses, so a hang fails the try instead of the build; replaced when a parse hangs in it. */
    private static ExecutorService guard = newGuard();

    private static ExecutorService newGuard() {
        return Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "parse-hang-guard");
            thread.setDaemon(true);
            return thread;
        });
    }

    @AfterContainer
    static void stopGuard() {
        guard.shutdownNow();
    }

    // ---- generated models ----

    @Property
    void formattedModelsParseBackToThemselves(@ForAll("models") MultiAddress model) {
        String text = model.format();

        MultiAddress parsed = MultiAddress.parse(text);

        assertThat(parsed).isEqualTo(model);
        assertThat(parsed.format()).isEqualTo(text);
    }

    @Property
    void everyParsedItemPointsAtItsOwnText(@ForAll("models") MultiAddress model) {
        String text = model.format();
        for (Address address : MultiAddress.parse(text).alternatives()) {
            for (Section section : address.sections()) {
                int name = section.syntaxError(-1, "x").column();
                assertThat(text.substring(name - 1)).startsWith(section.name());
                for (int i = 0; i < section.data().size(); i++) {
                    int column = section.syntaxError(i, "x").column();
                    String escaped = AddressText.escape(section.data().get(i));
                    assertThat(text.substring(column - 1)).startsWith(escaped);
                    assertThat(text.charAt(column - 2)).isEqualTo(':');
                }
                int end = section.syntaxError(section.data().size(), "x").column();
                assertThat(end).isEqualTo(name + section.toString().length());
            }
        }
    }

    @Provide
    Arbitrary<MultiAddress> models() {
        return addresses().list().ofMinSize(1).ofMaxSize(4).map(MultiAddress::new);
    }

    static Arbitrary<Address> addresses() {
        return sections().list().ofMinSize(1).ofMaxSize(4).map(Address::new);
    }

    static Arbitrary<Section> sections() {
        return Combinators.combine(names(), items().list().ofMaxSize(5)).as(Section::of);
    }

    static Arbitrary<String> names() {
        Arbitrary<String> tail = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars('-')
                .ofMinLength(1).ofMaxLength(10);
        return Combinators.combine(Arbitraries.chars().range('a', 'z'), tail).as((head, rest) -> head + rest);
    }

    /** Any printable ASCII, the separators and '!' often, empty items often. */
    static Arbitrary<String> items() {
        Arbitrary<Character> chars = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.chars().range('!', '~')),
                Tuple.of(1, Arbitraries.of('!', '~', ':', ';')));
        return chars.list().ofMaxSize(12).map(AddressPropertiesTest::join);
    }

    // ---- hostile text ----

    @Property
    void anyTextParsesOrFailsWithAColumnInside(@ForAll("hostileText") String text) {
        MultiAddress parsed = parseOrReject(text);

        Statistics.label("outcome").collect(parsed != null ? "parsed" : "rejected")
                .coverage(coverage -> {
                    coverage.check("parsed").percentage(p -> p > 5);
                    coverage.check("rejected").percentage(p -> p > 5);
                });
        if (parsed != null) {
            // Escaping is unique, so accepted text is already canonical.
            assertThat(parsed.format()).isEqualTo(text);
        }
    }

    @Property
    void formatOfParseIsAFixedPoint(@ForAll("hostileText") String text) {
        MultiAddress parsed = parseOrReject(text);
        if (parsed == null) {
            return;
        }
        String formatted = parsed.format();
        MultiAddress again = MultiAddress.parse(formatted);

        assertThat(again).isEqualTo(parsed);
        assertThat(again.format()).isEqualTo(formatted);
    }

    @Property
    void longRunsAroundTheCapParseOrFailCleanly(@ForAll("longText") String text) {
        MultiAddress parsed = parseOrReject(text);

        if (text.length() > MultiAddress.MAX_LENGTH) {
            assertThat(parsed).isNull();
        }
    }

    @Provide
    Arbitrary<String> hostileText() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, mutated()),
                Tuple.of(2, Arbitraries.strings().withChars(":;~!-.a-zA-Z019/[] ").ofMaxLength(30)),
                Tuple.of(2, Combinators.combine(names(), Arbitraries.strings().withChars(":;~!abz09").ofMaxLength(20))
                        .as(String::concat)),
                Tuple.of(1, Arbitraries.strings().ascii().ofMaxLength(40)),
                Tuple.of(1, Arbitraries.strings().all().ofMaxLength(40)));
    }

    /** Valid addresses, generated or from the examples, with a few characters inserted, deleted or replaced. */
    static Arbitrary<String> mutated() {
        Arbitrary<String> valid = Arbitraries.oneOf(
                Arbitraries.of(AddressParserTest.VALID),
                addresses().list().ofMinSize(1).ofMaxSize(3).map(list -> new MultiAddress(list).format()));
        Arbitrary<Character> inserted = Arbitraries.oneOf(
                Arbitraries.of(':', ';', '~', '!', '!', ' ', '\n', '\u0000', '\u00e9', '\uD83D', 'A', '1', '.'),
                Arbitraries.chars().range('!', '~'));
        Arbitrary<Edit> edit = Combinators.combine(Arbitraries.integers().between(0, 2),
                Arbitraries.doubles().between(0, 1), inserted).as(Edit::new);
        return Combinators.combine(valid, edit.list().ofMaxSize(4)).as((text, edits) -> {
            StringBuilder out = new StringBuilder(text);
            for (Edit e : edits) {
                e.apply(out);
            }
            return out.toString();
        });
    }

    record Edit(int kind, double where, char c) {
        void apply(StringBuilder text) {
            int at = (int) (where * text.length());
            switch (kind) {
                case 0 -> text.insert(at, c);
                case 1 -> {
                    if (at < text.length()) {
                        text.deleteCharAt(at);
                    }
                }
                default -> {
                    if (at < text.length()) {
                        text.setCharAt(at, c);
                    }
                }
            }
        }
    }

    @Provide
    Arbitrary<String> longText() {
        Arbitrary<Integer> length = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.integers().between(MultiAddress.MAX_LENGTH - 8, MultiAddress.MAX_LENGTH + 8)),
                Tuple.of(1, Arbitraries.integers().between(1, 3 * MultiAddress.MAX_LENGTH)));
        Arbitrary<String> unit = Arbitraries.of("a", "x1", "!!", "!:", ":", "~", ";", "net:", "~shs:", ";net:a",
                "\u00e9", "!");
        return Combinators.combine(Arbitraries.of("", "net:", "shs:", "~", "a"), unit, length)
                .as((prefix, repeated, size) -> {
                    StringBuilder out = new StringBuilder(prefix);
                    while (out.length() < size) {
                        out.append(repeated);
                    }
                    out.setLength(Math.max(size, 0));
                    return out.toString();
                });
    }

    /** Parses on the guard thread: returns the model, or null after checking the rejection; anything else fails. */
    private static MultiAddress parseOrReject(String text) {
        Future<MultiAddress> result = guard.submit(() -> MultiAddress.parse(text));
        try {
            return result.get(HANG_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            // The parse ignores interrupts: leave its thread behind so the shrinking tries get a free one.
            guard.shutdownNow();
            guard = newGuard();
            return fail("parse did not return within %d s for %s", HANG_SECONDS, text);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof AddressSyntaxException rejected)) {
                return fail("parse threw " + e.getCause() + " for " + text, e.getCause());
            }
            assertThat(rejected.input()).isSameAs(text);
            assertThat(rejected.column()).isBetween(1, text.length() + 1);
            assertThat(rejected.reason()).isNotBlank().doesNotContain("\n");
            assertThat(rejected.getMessage()).startsWith("column " + rejected.column() + ": ");
            return null;
        }
    }

    // ---- escaping ----

    @Property
    void escapingIsExactlyReversible(@ForAll String text) {
        String escaped = AddressText.escape(text);

        assertThat(AddressText.unescape(escaped)).isEqualTo(text);
        for (char separator : new char[] {';', '~', ':'}) {
            assertThat(AddressText.firstUnescaped(escaped, separator)).isEqualTo(-1);
        }
    }

    @Provide
    Arbitrary<String> itemText() {
        return items();
    }

    @Property
    void escapingOfItemCharactersIsReversible(@ForAll("itemText") String item) {
        String escaped = AddressText.escape(item);

        assertThat(AddressText.unescape(escaped)).isEqualTo(item);
        assertThat(Section.parse("x1:" + escaped).data()).containsExactly(item);
    }

    private static String join(List<Character> chars) {
        StringBuilder out = new StringBuilder(chars.size());
        chars.forEach(out::append);
        return out.toString();
    }
}
