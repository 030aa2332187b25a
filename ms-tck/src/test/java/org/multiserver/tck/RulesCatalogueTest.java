package org.multiserver.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestTemplate;

/**
 * RULES.md and the rule methods agree: every rule the catalogue lists is a test method of the same name (level, id
 * and title) in the class its section names, every rule method is listed, and no id is used twice. A rule renamed in
 * one place and not the other, or added without its entry, fails here instead of sending a plugin author to a
 * catalogue that does not say what broke.
 */
class RulesCatalogueTest {
    /** A rule's name: {@code required_T2_4_cancelDuringConnectClosesChannel}. */
    static final Pattern RULE = Pattern.compile("(required|optional)_([TF]\\d+_\\d+)_[A-Za-z0-9]+");
    /** A row of a rule table: the rule's name in backquotes in the first cell. */
    private static final Pattern ROW = Pattern.compile("^\\| `(" + RULE.pattern() + ")` \\|");

    @Test
    void everyListedRuleIsAMethodAndEveryMethodIsListed() throws IOException {
        Map<String, List<String>> listed = listed(Files.readAllLines(catalogue(), StandardCharsets.UTF_8));
        assertThat(listed.get("TransportVerification")).as("rules listed under 'Transport rules' in RULES.md")
                .containsExactlyInAnyOrderElementsOf(ruleMethods(TransportVerification.class));
        assertThat(listed.get("TransformVerification")).as("rules listed under 'Transform rules' in RULES.md")
                .containsExactlyInAnyOrderElementsOf(ruleMethods(TransformVerification.class));
    }

    @Test
    void everyIdIsUsedOnce() {
        List<String> all = new ArrayList<>(ruleMethods(TransportVerification.class));
        all.addAll(ruleMethods(TransformVerification.class));
        Map<String, List<String>> byId = new TreeMap<>();
        for (String name : all) {
            Matcher m = RULE.matcher(name);
            assertThat(m.matches()).isTrue();
            byId.computeIfAbsent(m.group(2), id -> new ArrayList<>()).add(name);
        }
        byId.forEach((id, names) -> assertThat(names).as("rules with the id " + id).hasSize(1));
    }

    @Test
    void transportRulesAreTAndTransformRulesAreF() {
        assertThat(ruleMethods(TransportVerification.class)).allSatisfy(name -> assertThat(name).matches("\\w+_T.*"));
        assertThat(ruleMethods(TransformVerification.class)).allSatisfy(name -> assertThat(name).matches("\\w+_F.*"));
    }

    /** The rule names in RULES.md's tables, by the class their section ("## Transport rules (`...`)") names. */
    static Map<String, List<String>> listed(List<String> lines) {
        Map<String, List<String>> rules = new TreeMap<>();
        Pattern section = Pattern.compile("^## .*\\(`(\\w+Verification)`\\)");
        String current = null;
        for (String line : lines) {
            Matcher heading = section.matcher(line);
            if (heading.find()) {
                current = heading.group(1);
                rules.put(current, new ArrayList<>());
                continue;
            }
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                assertThat(current).as("a rule row before any '## ... (`...Verification`)' heading: " + line)
                        .isNotNull();
                rules.get(current).add(row.group(1));
            }
        }
        return rules;
    }

    /** Public test methods named like rules, in declaration order where the JVM keeps it. */
    static List<String> ruleMethods(Class<?> verification) {
        TreeSet<String> names = new TreeSet<>();
        for (Method method : verification.getDeclaredMethods()) {
            boolean test = method.isAnnotationPresent(Test.class)
                    || method.isAnnotationPresent(org.junit.jupiter.params.ParameterizedTest.class)
                    || method.isAnnotationPresent(TestTemplate.class);
            if (test) {
                assertThat(method.getName()).as("a test method of " + verification.getSimpleName()
                        + " that is not named like a rule (<level>_<id>_<whatItChecks>)").matches(RULE);
                names.add(method.getName());
            }
        }
        return new ArrayList<>(names);
    }

    /** RULES.md, next to the module's pom: surefire runs in the module's folder. */
    private static Path catalogue() {
        Path path = Path.of(System.getProperty("basedir", ".")).resolve("RULES.md");
        assertThat(path).as("RULES.md in the module's folder").exists();
        return path;
    }
}
