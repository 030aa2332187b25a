package org.multiserver.examples.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every code name a README or doc puts in backticks exists: our types (and their members), methods, packages and
 * option names in this repository's sources; other libraries' types on this module's class path or in the JDK.
 * Names that are deliberately not Java (the JS peers' functions) are in {@link #NOT_OURS}.
 */
class DocNamesTest {
    /** Names in the docs that are not Java, or not on this class path: the JS peers', the browser's, the OS's. */
    static final Set<String> NOT_OURS = Set.of(
            "Number()", "url.parse", "networkInterfaces()", "ws.close()", // JavaScript
            "ExtendedErrors", "HiddenServicePort", "SocksPort", "SocksTimeout", "TestingTorNetwork", "DirAuthority", // torrc
            "EngineTestKit"); // JUnit's, on ms-tck's test class path only

    /**
     * Stale names already in module READMEs their owners are fixing; each entry fails the test once fixed, so the
     * list only shrinks. Root README, CHANGELOG and docs/ must have none.
     */
    static final Map<String, Set<String>> KNOWN_STALE = Map.of();

    private static final Pattern INLINE = Pattern.compile("`([^`\\n]+)`");
    private static final Pattern TYPE = Pattern.compile("[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+|[A-Z][a-z0-9]{2,}");
    private static final Pattern OPTION = Pattern.compile(
            "(?:net|ws|wss|shs|shs2|onion|unix|noauth|gzip)\\.[a-z][a-z0-9-]*");
    private static final Pattern JAVA_NAME = Pattern.compile(
            "(?:[a-z][a-z0-9_]*\\.)*[A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)*(?:\\(\\))?");

    private static final Sources SOURCES = new Sources();

    @Test
    void everyCodeNameInTheDocsExists() {
        Map<String, Set<String>> missing = new TreeMap<>();
        int checked = 0;
        for (Path doc : docs()) {
            Set<String> unknown = new TreeSet<>();
            for (String name : codeNames(read(doc))) {
                checked++;
                if (!NOT_OURS.contains(name) && !SOURCES.exists(name)) {
                    unknown.add(name);
                }
            }
            if (!unknown.isEmpty()) {
                missing.put(Repository.ROOT.relativize(doc).toString(), unknown);
            }
        }
        assertThat(checked).as("names checked (a check that finds none checks nothing)").isGreaterThan(300);
        assertThat(missing).as("names in the docs that are not in the sources, by file (a fixed one must also leave"
                + " KNOWN_STALE)").isEqualTo(new TreeMap<>(KNOWN_STALE));
        assertThat(KNOWN_STALE.keySet()).noneMatch(f -> f.equals("README.md") || f.startsWith("docs/")
                || f.equals("CHANGELOG.md"));
    }

    @Test
    void theCheckFindsAStaleName() {
        assertThat(codeNames("`shs.js` `index.js`")).isEmpty();
        assertThat(codeNames("`MultiServer.listen` and `Connection.input()` and `NoSuchThing.run()` and `net.port`"
                + "\n```java\nIgnoredInBlocks x;\n```\n`bogus.option` `shs.no-such-option` `org.multiserver.nope`"))
                .containsExactly("MultiServer.listen", "Connection.input()", "NoSuchThing.run()", "net.port",
                        "shs.no-such-option", "org.multiserver.nope");
        assertThat(SOURCES.exists("MultiServer.listen")).isTrue();
        assertThat(SOURCES.exists("MultiServer.Listening.stringify")).isTrue();
        assertThat(SOURCES.exists("MultiServer.noSuchMethod")).isFalse();
        assertThat(SOURCES.exists("NoSuchThing.run()")).isFalse();
        assertThat(SOURCES.exists("noSuchMethodAnywhere()")).isFalse();
        assertThat(SOURCES.exists("openConnections()")).isTrue();
        assertThat(SOURCES.exists("ByteToMessageDecoder.handlerRemoved")).isTrue();
        assertThat(SOURCES.exists("StackOverflowError")).isTrue();
        assertThat(SOURCES.exists("shs.no-such-option")).isFalse();
        assertThat(SOURCES.exists("org.multiserver.nope")).isFalse();
        assertThat(SOURCES.exists("org.multiserver.tck.reference")).isTrue();
    }

    static List<Path> docs() {
        List<Path> docs = new java.util.ArrayList<>();
        docs.addAll(Repository.files("*.md"));
        docs.addAll(Repository.files("*/README.md"));
        docs.addAll(Repository.files("examples/*/README.md"));
        docs.addAll(Repository.files("docs/*.md"));
        return docs;
    }

    /** Backticked names outside fenced blocks that look like Java or our option names. */
    static Set<String> codeNames(String markdown) {
        Set<String> names = new LinkedHashSet<>();
        boolean fenced = false;
        for (String line : markdown.split("\n")) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                continue;
            }
            Matcher m = INLINE.matcher(line);
            while (m.find()) {
                String name = m.group(1);
                if (name.matches(".*\\.(?:js|json|md|sh|xml|txt)")) {
                    continue; // a file name (the JS suite's shs.js is not ours to find)
                }
                if (OPTION.matcher(name).matches() || name.startsWith("org.multiserver.")
                        || (JAVA_NAME.matcher(name).matches() && looksLikeJava(name))) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /** A type (CamelCase), a member of one, or a method call {@code name()}; not a lone word or an expression. */
    private static boolean looksLikeJava(String name) {
        String first = name.split("\\.")[0].replace("()", "");
        if (Character.isLowerCase(first.charAt(0))) {
            return !name.contains(".") && name.endsWith("()"); // method(); `channel.isWritable()` is an expression
        }
        return TYPE.matcher(first).matches();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What exists: our sources (types, members, packages, option literals), the class path's and the JDK's types. */
    static final class Sources {
        private final Map<String, List<Path>> ourTypes = new HashMap<>();
        private final Set<String> fileNames = new HashSet<>();
        private final Set<String> ourPackages = new HashSet<>();
        private final StringBuilder allJava = new StringBuilder();
        private final Set<String> otherTypes = new HashSet<>();

        Sources() {
            try (Stream<Path> walk = Files.walk(Repository.ROOT)) {
                walk.filter(p -> !p.toString().contains("/node_modules/") && !p.toString().contains("/target/")
                                && !p.toString().contains("/.git/"))
                        // this check's own sources name things that do not exist, on purpose
                        .filter(p -> !p.startsWith(Repository.ROOT.resolve("ms-examples/src/test")))
                        .forEach(p -> {
                            fileNames.add(p.getFileName().toString());
                            if (p.toString().endsWith(".java") || p.toString().endsWith(".g4")) {
                                addSource(p);
                            }
                        });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            addClassPathTypes();
            addJdkTypes();
        }

        private void addSource(Path file) {
            String text = read(file);
            if (file.toString().endsWith(".java")) {
                allJava.append(text).append('\n');
                Matcher types = DECLARATION.matcher(text);
                while (types.find()) {
                    ourTypes.computeIfAbsent(types.group(1), k -> new java.util.ArrayList<>()).add(file);
                }
            }
            Matcher pkg = Pattern.compile("(?m)^package\\s+([\\w.]+);").matcher(text);
            if (pkg.find()) {
                addPackage(pkg.group(1));
            } else if (file.toString().endsWith(".g4")) {
                String path = file.toString();
                int at = path.indexOf("/org/multiserver/");
                if (at >= 0) {
                    addPackage(path.substring(at + 1, path.lastIndexOf('/')).replace('/', '.'));
                }
            }
        }

        private void addPackage(String name) {
            for (String p = name; p.contains("."); p = p.substring(0, p.lastIndexOf('.'))) {
                ourPackages.add(p);
            }
        }

        private void addClassPathTypes() {
            try {
                for (URL url : Collections.list(getClass().getClassLoader().getResources("META-INF/MANIFEST.MF"))) {
                    if (url.getProtocol().equals("jar")) {
                        String file = url.getPath().substring("file:".length(), url.getPath().indexOf("!/"));
                        try (JarFile jar = new JarFile(java.net.URLDecoder.decode(file,
                                java.nio.charset.StandardCharsets.UTF_8))) {
                            jar.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class"))
                                    .forEach(this::addOtherType);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void addJdkTypes() {
            FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
            try (Stream<Path> walk = Files.walk(jrt.getPath("/modules"))) {
                walk.map(Path::toString).filter(n -> n.endsWith(".class")).forEach(this::addOtherType);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** {@code io/netty/handler/codec/ByteToMessageDecoder.class}: ByteToMessageDecoder and its full name. */
        private void addOtherType(String entry) {
            String name = entry.substring(entry.lastIndexOf('/') + 1, entry.length() - ".class".length());
            String fqcn = entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
            fqcn = fqcn.startsWith(".modules.") ? fqcn.substring(fqcn.indexOf('.', ".modules.".length()) + 1) : fqcn;
            otherTypes.add(name.replace('$', '.'));
            otherTypes.add(fqcn.replace('$', '.'));
        }

        private static final Pattern DECLARATION = Pattern.compile("(?m)^\\s*(?:(?:public|protected|private|static"
                + "|final|abstract|sealed|non-sealed)\\s+)*(?:class|interface|enum|record|@interface)\\s+([A-Z]\\w*)");
        private static final Pattern FILE = Pattern.compile("[\\w.-]+\\.(?:g4|java|md|json|js|sh|xml|txt|properties)");

        boolean exists(String name) {
            if (FILE.matcher(name).matches()) { // before options: shs.js is a file
                return fileNames.contains(name);
            }
            if (OPTION.matcher(name).matches()) {
                return allJava.indexOf("\"" + name + "\"") >= 0;
            }
            if (name.startsWith("org.multiserver.")) {
                String last = name.substring(name.lastIndexOf('.') + 1);
                return ourPackages.contains(name) || (ourTypes.containsKey(last)
                        && ourPackages.contains(name.substring(0, name.lastIndexOf('.'))));
            }
            String bare = name.endsWith("()") ? name.substring(0, name.length() - 2) : name;
            String[] parts = bare.split("\\.");
            if (Character.isLowerCase(parts[0].charAt(0))) {
                return declaresMethod(allJava, parts[0]);
            }
            // Type, Type.Nested, Type.member, Type.Nested.member
            int typeParts = 1;
            while (typeParts < parts.length && Character.isUpperCase(parts[typeParts].charAt(0))
                    && !parts[typeParts].equals(parts[typeParts].toUpperCase())) {
                typeParts++;
            }
            String outer = parts[0];
            if (ourTypes.containsKey(outer)) {
                List<String> members = List.of(parts).subList(1, parts.length);
                return ourTypes.get(outer).stream().anyMatch(file -> declares(file, members, 0));
            }
            String type = String.join(".", List.of(parts).subList(0, typeParts));
            return otherTypes.contains(type);
        }

        /** Every member named in {@code file}, or in the file of the class it extends (benchmarks inherit). */
        private boolean declares(Path file, List<String> members, int depth) {
            String source = read(file);
            if (members.stream().allMatch(m -> Pattern.compile("\\b" + Pattern.quote(m) + "\\b").matcher(source).find())) {
                return true;
            }
            Matcher parent = Pattern.compile("\\bextends\\s+([A-Z]\\w*)").matcher(source);
            return depth < 5 && parent.find() && ourTypes.getOrDefault(parent.group(1), List.of()).stream()
                    .anyMatch(p -> declares(p, members, depth + 1));
        }

        /** Declared as a method (a return type or modifier before it) or a record component somewhere. */
        private static boolean declaresMethod(CharSequence java, String method) {
            return Pattern.compile("(?:[\\w>\\]]\\s+|record\\s+\\w+\\([^)]*\\b)" + Pattern.quote(method) + "\\s*\\(")
                    .matcher(java).results().anyMatch(r -> !r.group().matches("(?s)(return|new|throw|else)\\s.*"))
                    || Pattern.compile("record\\s+\\w+\\s*\\([^)]*\\b" + Pattern.quote(method) + "\\s*[,)]")
                    .matcher(java).find();
        }
    }
}
