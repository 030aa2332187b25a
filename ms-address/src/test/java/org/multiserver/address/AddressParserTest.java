package org.multiserver.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressParserTest {
    static final String KEY = "DTNmX+4SjsgZ7xyDh5xxmNtFqa6pWi5Qtw7cE8aR9TQ=";

    static final List<String> VALID = List.of(
            "net:wx.larpa.net:8008~shs:" + KEY,
            "wss://wx.larpa.net~shs:" + KEY,
            "net:::1:8008",
            "net:fe80::1:8008~shs:K",
            "onion:3234j5sv346bpih2.onion:2349",
            "unix:/tmp/multiserver-x/socket~noauth",
            "ws://[::1]:9~shs:K",
            "shs:KEY:SEED",
            "shs:::",
            "shs:a!:b!!c!~d!;e",
            "a-:x",
            "n0-9:x");

    static Stream<String> valid() {
        return Stream.concat(VALID.stream(), Stream.of(
                String.join(";", VALID),
                VALID.get(0) + ";" + VALID.get(1),
                VALID.get(5) + ";" + VALID.get(2) + ";" + VALID.get(7)));
    }

    @ParameterizedTest
    @MethodSource("valid")
    void validAddressesRoundTripToTheSameText(String text) {
        MultiAddress parsed = MultiAddress.parse(text);

        assertThat(parsed.format()).isEqualTo(text);
        assertThat(MultiAddress.parse(parsed.format())).isEqualTo(parsed);
    }

    @Test
    void netShsAddressHasTransportAndTransform() {
        Address address = Address.parse("net:wx.larpa.net:8008~shs:" + KEY);

        assertThat(address.names()).containsExactly("net", "shs");
        assertThat(address.transport()).isEqualTo(Section.of("net", "wx.larpa.net", "8008"));
        assertThat(address.transforms()).containsExactly(Section.of("shs", KEY));
        assertThat(address.transport().item(1)).isEqualTo("8008");
        assertThat(address.transport().item(2)).isNull();
    }

    @Test
    void unbracketedIpv6KeepsItsEmptyItems() {
        Section net = Section.parse("net:::1:8008");

        assertThat(net.name()).isEqualTo("net");
        assertThat(net.data()).containsExactly("", "", "1", "8008");
    }

    @Test
    void emptyItemsAreItems() {
        assertThat(Section.parse("shs:::").data()).containsExactly("", "", "");
        assertThat(Section.parse("shs:").data()).containsExactly("");
        assertThat(Section.parse("noauth").data()).isEmpty();
    }

    @Test
    void wsUrlIsAnOrdinarySection() {
        Address address = Address.parse("ws://[::1]:9~shs:K");

        assertThat(address.transport().name()).isEqualTo("ws");
        assertThat(address.transport().data()).containsExactly("//[", "", "1]", "9");
        assertThat(Address.parse("wss://wx.larpa.net~shs:K").transport().data()).containsExactly("//wx.larpa.net");
    }

    @Test
    void nameShapedWordsAreData() {
        assertThat(Section.parse("net:localhost:8008").data()).containsExactly("localhost", "8008");
        assertThat(Section.parse("shs:a:b-c:d").data()).containsExactly("a", "b-c", "d");
    }

    @Test
    void escapesAreUnescapedInItems() {
        Section shs = Section.parse("shs:a!:b!!c!~d!;e");

        assertThat(shs.data()).containsExactly("a:b!c~d;e");
        assertThat(shs.toString()).isEqualTo("shs:a!:b!!c!~d!;e");
        assertThat(Section.parse("x1:!!").data()).containsExactly("!");
    }

    @Test
    void alternativesKeepTheirOrder() {
        MultiAddress multi = MultiAddress.parse("net:a:1~shs:K;ws://a:2~shs:K;onion:b.onion:3~shs:K");

        assertThat(multi.alternatives()).extracting(Address::names)
                .containsExactly(List.of("net", "shs"), List.of("ws", "shs"), List.of("onion", "shs"));
        assertThat(multi.alternatives().get(1).transport().data()).containsExactly("//a", "2");
    }

    @Test
    void parsedAndBuiltModelsAreEqual() {
        MultiAddress built = MultiAddress.of(
                Address.of(Section.of("net", "host", "8008"), Section.of("shs", "k:y")),
                Address.of(Section.of("noauth")));
        MultiAddress parsed = MultiAddress.parse("net:host:8008~shs:k!:y;noauth");

        assertThat(parsed).isEqualTo(built).hasSameHashCodeAs(built);
        assertThat(built.format()).isEqualTo("net:host:8008~shs:k!:y;noauth");
    }

    static Stream<Arguments> invalid() {
        String tooLong = "net:" + "a".repeat(MultiAddress.MAX_LENGTH - 3);
        return Stream.of(
                Arguments.of("", 1, "empty address"),
                Arguments.of(":host.com:8008", 1, "expected a protocol name (a-z, then a-z 0-9 -), found ':'"),
                Arguments.of("1a:host", 1, "expected a protocol name (a-z, then a-z 0-9 -), found '1'"),
                Arguments.of("ABC:host", 1, "expected a protocol name (a-z, then a-z 0-9 -), found 'A'"),
                Arguments.of("a.b:host", 2, "expected a protocol name (a-z, then a-z 0-9 -), found '.'"),
                Arguments.of("net-Z:host", 5, "expected a protocol name (a-z, then a-z 0-9 -), found 'Z'"),
                Arguments.of("a:x", 1, "protocol name 'a' is too short: a name has at least 2 characters"),
                Arguments.of("net:x~s:y", 7, "protocol name 's' is too short"),
                Arguments.of("~:x", 1, "expected a protocol name (a-z, then a-z 0-9 -), found '~'"),
                Arguments.of(";:x", 1, "expected a protocol name (a-z, then a-z 0-9 -), found ';'"),
                Arguments.of("!:x", 1, "expected a protocol name (a-z, then a-z 0-9 -), found '!'"),
                Arguments.of("!x:y", 1, "expected a protocol name (a-z, then a-z 0-9 -), found '!'"),
                Arguments.of("ne!:t:x", 3, "found '!'"),
                Arguments.of("net:host.com:8008~", 18, "expected a protocol name after '~'"),
                Arguments.of("net:host.com:8008~~gzip", 19, "expected a protocol name (a-z, then a-z 0-9 -) after '~', found '~'"),
                Arguments.of("net:a~:b", 7, "after '~', found ':'"),
                Arguments.of("net:a;", 6, "expected a protocol name after ';'"),
                Arguments.of("net:a;;shs", 7, "after ';', found ';'"),
                Arguments.of("net:a!", 6, "'!' must be followed by one of ! ~ : ; (found the end)"),
                Arguments.of("net:a!x:1", 6, "'!' must be followed by one of ! ~ : ; (found 'x')"),
                Arguments.of("net:!", 5, "'!' must be followed by one of ! ~ : ;"),
                Arguments.of("net!x:a", 4, "'!' must be followed by one of ! ~ : ; (found 'x')"),
                Arguments.of("net:a\nb", 6, "U+000A cannot appear in an address"),
                Arguments.of("net:a\u0000", 6, "U+0000 cannot appear in an address"),
                Arguments.of("\tnet:a", 1, "U+0009 cannot appear in an address"),
                Arguments.of("net:a\u007f", 6, "U+007F cannot appear in an address"),
                Arguments.of("net:a b", 6, "a space cannot appear in an address"),
                Arguments.of("net:caf\u00e9", 8, "U+00E9 cannot appear in an address"),
                Arguments.of("net:\uD83D\uDE00:1", 5, "U+1F600 cannot appear in an address"),
                Arguments.of("net:a\uD83D", 6, "U+D83D cannot appear in an address"),
                // Characters are checked before the syntax, so this reports the space, not the '1'.
                Arguments.of("1a:b c", 5, "a space cannot appear"),
                // The length is checked before anything else.
                Arguments.of(tooLong, 4097, "an address may hold at most 4096 characters, this one has 4097"),
                Arguments.of("\n".repeat(5000), 4097, "at most 4096 characters"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void invalidAddressesAreRejectedAtTheirColumn(String text, int column, String reason) {
        AddressSyntaxException e = catchThrowableOfType(AddressSyntaxException.class, () -> MultiAddress.parse(text));

        assertThat(e).as("parse(%s)", text).isNotNull();
        assertThat(e.input()).isSameAs(text);
        assertThat(e.column()).isEqualTo(column);
        assertThat(e.reason()).contains(reason);
        assertThat(e.reason()).doesNotContainIgnoringCase("token").doesNotContainIgnoringCase("mismatched")
                .doesNotContainIgnoringCase("viable").doesNotContain("<EOF>").doesNotContain("expecting");
        assertThat(e.getCause()).isNull();
    }

    @Test
    void firstErrorInReadingOrderWins() {
        // The name at column 1 is wrong before the '!' at column 5 is.
        assertThat(catchThrowableOfType(AddressSyntaxException.class, () -> MultiAddress.parse("1a:x!y")).column())
                .isEqualTo(1);
        assertThat(catchThrowableOfType(AddressSyntaxException.class, () -> MultiAddress.parse("net:x!y~1a")).column())
                .isEqualTo(6);
    }

    @Test
    void longestAcceptedAddressParses() {
        String text = "net:" + "a".repeat(MultiAddress.MAX_LENGTH - 4);

        assertThat(text).hasSize(MultiAddress.MAX_LENGTH);
        assertThat(MultiAddress.parse(text).format()).isEqualTo(text);
    }

    @Test
    void messageShowsTheInputAndACaretUnderTheColumn() {
        assertThatThrownBy(() -> MultiAddress.parse("net:host.com:8008~"))
                .isInstanceOf(AddressSyntaxException.class)
                .hasMessage("column 18: expected a protocol name after '~'\n"
                        + "  net:host.com:8008~\n"
                        + "                   ^");
        assertThatThrownBy(() -> MultiAddress.parse("a.b:host"))
                .hasMessage("column 2: expected a protocol name (a-z, then a-z 0-9 -), found '.'\n"
                        + "  a.b:host\n"
                        + "   ^");
    }

    @Test
    void messageOfALongInputShowsAWindowWithTheCaretOnTheOffendingChar() {
        String text = "net:" + "a".repeat(3000) + "!x" + "b".repeat(1000);

        AddressSyntaxException e = catchThrowableOfType(AddressSyntaxException.class, () -> MultiAddress.parse(text));

        assertThat(e.column()).isEqualTo(3005);
        String[] lines = e.getMessage().split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[1]).startsWith("  ...").endsWith("...").hasSizeLessThan(140);
        assertThat(lines[1].charAt(lines[2].indexOf('^'))).isEqualTo('!');
    }

    @Test
    void messageReplacesUnprintableCharsSoTheCaretStaysAligned() {
        AddressSyntaxException e = catchThrowableOfType(AddressSyntaxException.class,
                () -> MultiAddress.parse("net:\uD83D\uDE00\t:1"));

        String[] lines = e.getMessage().split("\n");
        assertThat(lines[1]).isEqualTo("  net:???:1");
        assertThat(lines[2]).isEqualTo("      ^");
    }

    @Test
    void addressParseRejectsAlternativesAtTheFirstUnescapedSemicolon() {
        assertThat(catchThrowableOfType(AddressSyntaxException.class, () -> Address.parse("shs:a!;b;net:c")))
                .extracting(AddressSyntaxException::column, AddressSyntaxException::reason)
                .containsExactly(9, "expected a single address, found ';'");
    }

    @Test
    void sectionParseRejectsTransformsAtTheFirstUnescapedTilde() {
        assertThat(catchThrowableOfType(AddressSyntaxException.class, () -> Section.parse("shs:a!~b~x1")))
                .extracting(AddressSyntaxException::column, AddressSyntaxException::reason)
                .containsExactly(9, "expected a single section, found '~'");
    }

    @Test
    void parsesFromManyThreadsAtOnce() throws Exception {
        // ANTLR shares its DFA cache between parser instances; concurrent warm-up must not corrupt it.
        List<String> texts = valid().toList();
        List<MultiAddress> expected = texts.stream().map(MultiAddress::parse).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> {
                    for (int round = 0; round < 500; round++) {
                        for (int i = 0; i < texts.size(); i++) {
                            if (!MultiAddress.parse(texts.get(i)).equals(expected.get(i))) {
                                return false;
                            }
                        }
                        assertThatThrownBy(() -> MultiAddress.parse("net:a;1b"))
                                .isInstanceOf(AddressSyntaxException.class);
                    }
                    return true;
                }));
            }
            for (Future<Boolean> run : runs) {
                assertThat(run.get(60, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void nullIsNotText() {
        assertThatThrownBy(() -> MultiAddress.parse(null)).isInstanceOf(NullPointerException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1a:host", "net:a!", "net:host.com:8008~~gzip", ";", "net:a;", "\u0000"})
    void nothingIsPrintedOnErrors(String text) {
        PrintStream err = System.err;
        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            System.setErr(capture);
            System.setOut(capture);
            assertThatThrownBy(() -> MultiAddress.parse(text)).isInstanceOf(AddressSyntaxException.class);
        } finally {
            System.setErr(err);
            System.setOut(out);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
