package org.multiserver.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance suite of the JS address spec, npm {@code multiserver-address@1.0.1}: its valid strings, its
 * invalid strings and its 100 generated addresses, copied as data into
 * {@code src/test/resources/conformance/multiserver-address-1.0.1.json} (provenance and license in that file).
 *
 * <p>The JS suite asserts that valid strings check and survive {@code encode(decode(s))}, that invalid ones fail,
 * and that the generated ones check. Here each valid and generated string must parse to the very model the JS
 * {@code decode} returned (recorded in the fixture: names and unescaped items) and format back to itself; each
 * invalid one must fail with an {@link AddressSyntaxException} whose column lies in the input.
 *
 * <p>No case of this suite meets a deliberate difference of ours (README, "Differences from the JS spec"): they
 * are all shorter than {@link MultiAddress#MAX_LENGTH}, printable ASCII, and the JS round trip the suite asserts
 * only for its valid strings, which hold no escapes. The generated strings do hold escapes, and there our
 * round trip is stricter than the JS one: JS {@code encode} does not escape, so {@code encode(decode("shs:a!:b"))}
 * is {@code "shs:a:b"}, another address; ours gives back the input.
 */
class JsConformanceTest {
    private static final JsonNode FIXTURE = load("/conformance/multiserver-address-1.0.1.json");

    @TestFactory
    Stream<DynamicTest> validStringsParseToTheJsModelAndFormatBack() {
        return cases("valid").map(c -> dynamicTest("valid " + c.number + ": " + c.label(),
                () -> assertParsesLikeJs(c)));
    }

    @TestFactory
    Stream<DynamicTest> invalidStringsAreRejected() {
        return cases("invalid").map(c -> dynamicTest("invalid " + c.number + ": " + c.label(), () -> {
            AddressSyntaxException e = catchThrowableOfType(() -> MultiAddress.parse(c.input),
                    AddressSyntaxException.class);
            assertThat(e).as("%s must be rejected", c.label()).isNotNull();
            assertThat(e.input()).isEqualTo(c.input);
            assertThat(e.column()).isBetween(1, c.input.length() + 1);
        }));
    }

    @TestFactory
    Stream<DynamicTest> generatedAddressesParseToTheJsModelAndFormatBack() {
        return cases("random").map(c -> dynamicTest("random " + c.number + ": " + c.label(),
                () -> assertParsesLikeJs(c)));
    }

    /** The fixture is the whole suite: 6 valid, 10 invalid, 100 generated, as the JS package ships them. */
    @Test
    void fixtureHoldsTheWholeSuite() {
        assertThat(cases("valid")).hasSize(6);
        assertThat(cases("invalid")).hasSize(10);
        assertThat(cases("random")).hasSize(100);
        assertThat(FIXTURE.get("source").asText()).contains("multiserver-address@1.0.1");
        assertThat(FIXTURE.get("license").asText()).isEqualTo("MIT");
    }

    private static void assertParsesLikeJs(Case c) {
        MultiAddress parsed = MultiAddress.parse(c.input);
        assertThat(parsed).as("the model JS decode() gave for %s", c.label()).isEqualTo(c.decoded());
        assertThat(parsed.format()).isEqualTo(c.input);
    }

    private static Stream<Case> cases(String list) {
        List<Case> cases = new ArrayList<>();
        for (JsonNode node : FIXTURE.get(list)) {
            cases.add(new Case(cases.size() + 1, node.get("input").asText(), node.path("comment").asText(null),
                    node.get("decoded")));
        }
        return cases.stream();
    }

    /** One string of the suite; {@code decoded} is JS decode's result: alternatives of {name, data} protocols. */
    private record Case(int number, String input, String comment, JsonNode decodedByJs) {
        String label() {
            String quoted = "'" + input + "'";
            return comment == null ? quoted : quoted + " (" + comment + ")";
        }

        MultiAddress decoded() {
            List<Address> alternatives = new ArrayList<>();
            for (JsonNode alternative : decodedByJs) {
                List<Section> sections = new ArrayList<>();
                for (JsonNode protocol : alternative) {
                    List<String> items = new ArrayList<>();
                    protocol.get("data").forEach(item -> items.add(item.asText()));
                    sections.add(Section.of(protocol.get("name").asText(), items));
                }
                alternatives.add(new Address(sections));
            }
            return new MultiAddress(alternatives);
        }
    }

    private static JsonNode load(String resource) {
        try (InputStream in = JsConformanceTest.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
