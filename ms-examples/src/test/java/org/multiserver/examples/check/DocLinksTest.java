package org.multiserver.examples.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What a user reads is in the repository: every relative link in the READMEs and docs/ leads to a file here, and
 * none names the team's folder beside the repository ({@code ../shared}).
 */
class DocLinksTest {
    /** Module READMEs that still name the team folder; their owners are moving what they need in. Only shrinks. */
    static final Map<String, Set<String>> KNOWN_OUTSIDE = Map.of(
            "ms-plugin-shs/README.md", Set.of("../shared/vectors"),
            "ms-plugin-shs2/README.md", Set.of("shared/SHS2.md"),
            "ms-tor-e2e/README.md", Set.of("../shared/TOR-PRIVATE-NETWORK.md"));

    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern TEAM_FOLDER = Pattern.compile("(?:\\.\\./)*shared/[\\w./-]*");

    @Test
    void everyRelativeLinkLeadsToAFileInTheRepository() {
        Map<String, Set<String>> broken = new TreeMap<>();
        for (Path doc : DocNamesTest.docs()) {
            for (String target : links(read(doc))) {
                Path file = doc.getParent().resolve(target.replaceFirst("#.*", "")).normalize();
                if (!file.startsWith(Repository.ROOT) || !Files.exists(file)) {
                    broken.computeIfAbsent(Repository.ROOT.relativize(doc).toString(), k -> new TreeSet<>())
                            .add(target);
                }
            }
        }
        assertThat(broken).as("relative links to nothing in the repository, by file").isEmpty();
    }

    @Test
    void noDocNamesTheTeamFolder() {
        Map<String, Set<String>> outside = new TreeMap<>();
        for (Path doc : DocNamesTest.docs()) {
            Matcher m = TEAM_FOLDER.matcher(read(doc));
            while (m.find()) {
                outside.computeIfAbsent(Repository.ROOT.relativize(doc).toString(), k -> new TreeSet<>())
                        .add(m.group().replaceFirst("[.]$", ""));
            }
        }
        assertThat(outside).as("names of the team folder outside the repository, by file (a fixed one must also"
                + " leave KNOWN_OUTSIDE)").isEqualTo(new TreeMap<>(KNOWN_OUTSIDE));
    }

    @Test
    void theChecksSeeLinksAndTheTeamFolder() {
        assertThat(links("see [a](docs/A.md#x), [b](https://example.com), [c](#here) and [d](../x.md)"))
                .containsExactly("docs/A.md#x", "../x.md");
        assertThat(TEAM_FOLDER.matcher("in `../shared/DESIGN.md`.").find()).isTrue();
    }

    /** Relative link targets: no scheme, not an anchor in the same page. */
    static Set<String> links(String markdown) {
        Set<String> links = new java.util.LinkedHashSet<>();
        Matcher m = LINK.matcher(markdown);
        while (m.find()) {
            String target = m.group(1);
            if (!target.matches("[a-z]+:.*") && !target.startsWith("#")) {
                links.add(target);
            }
        }
        return links;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
