package org.multiserver.examples.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The root README's java block is the text examples/getting-started runs (its ReadmeSnippet between the
 * {@code // README:begin} and {@code // README:end} markers, each part taken out of its indentation and the parts
 * joined by a blank line), so the two cannot drift apart.
 */
class ReadmeSnippetTest {
    static final String SOURCE = "examples/getting-started/src/main/java/org/multiserver/examples/start/ReadmeSnippet.java";

    @Test
    void theReadmeSnippetIsTheExampleThatRuns() {
        assertThat(javaBlock(Repository.read("README.md")))
                .as("README.md's java block; it must be the marked parts of " + SOURCE)
                .isEqualTo(markedParts(Repository.read(SOURCE)));
    }

    @Test
    void markedPartsAreUnindentedAndJoined() {
        String source = """
                // README:begin
                import a.B;
                // README:end
                class C {
                    void m() {
                        // README:begin
                        if (x) {
                            y();
                        }
                        // README:end
                    }
                }
                """;
        assertThat(markedParts(source)).isEqualTo("import a.B;\n\nif (x) {\n    y();\n}\n");
        assertThat(javaBlock("text\n\n```java\nint a;\n```\n\n```java\nother\n```\n")).isEqualTo("int a;\n");
    }

    /** The first fenced java block of a markdown text, without its fences. */
    static String javaBlock(String markdown) {
        Matcher m = Pattern.compile("(?m)^```java\\n(.*?)^```$", Pattern.DOTALL).matcher(markdown);
        if (!m.find()) {
            throw new AssertionError("no ```java block");
        }
        return m.group(1);
    }

    static String markedParts(String source) {
        List<String> parts = new ArrayList<>();
        List<String> part = null;
        for (String line : source.split("\n", -1)) {
            String trimmed = line.trim();
            if (trimmed.equals("// README:begin")) {
                part = new ArrayList<>();
            } else if (trimmed.equals("// README:end")) {
                parts.add(unindent(part));
                part = null;
            } else if (part != null) {
                part.add(line);
            }
        }
        if (parts.isEmpty() || part != null) {
            throw new AssertionError("no complete // README:begin ... // README:end part in the source");
        }
        return String.join("\n", parts);
    }

    private static String unindent(List<String> lines) {
        int indent = lines.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
        }
        return text.toString();
    }
}
