package org.multiserver.examples.check;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** The repository these tests read: its root (from the build), its files and its poms. */
final class Repository {
    static final Path ROOT = Path.of(System.getProperty("multiserver.root", "..")).toAbsolutePath().normalize();
    static final String VERSION = System.getProperty("multiserver.version", "0.1.0-SNAPSHOT");

    private Repository() {
    }

    static String read(String relative) {
        try {
            return Files.readString(ROOT.resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Document pom(String relativeFolder) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return factory.newDocumentBuilder().parse(ROOT.resolve(relativeFolder).resolve("pom.xml").toFile());
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + relativeFolder + "/pom.xml", e);
        }
    }

    /** The text of the first element at {@code path} (child names from the root element), or null. */
    static String text(Document pom, String... path) {
        return text(pom.getDocumentElement(), path);
    }

    /** The text of the first element at {@code path} below {@code at}, or null. */
    static String text(Element at, String... path) {
        for (String name : path) {
            at = child(at, name);
            if (at == null) {
                return null;
            }
        }
        return at.getTextContent().trim();
    }

    static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    static List<Element> children(Element parent, String name) {
        List<Element> found = new java.util.ArrayList<>();
        NodeList all = parent.getChildNodes();
        for (int i = 0; i < all.getLength(); i++) {
            if (all.item(i) instanceof Element e && e.getTagName().equals(name)) {
                found.add(e);
            }
        }
        return found;
    }

    /** The root pom's modules, as folders relative to the root. */
    static List<String> modules() {
        Element modules = child(pom(".").getDocumentElement(), "modules");
        return children(modules, "module").stream().map(e -> e.getTextContent().trim()).toList();
    }

    /** Files under the root matching {@code glob} (relative paths, such as {@code * /README.md}), target/ excluded. */
    static List<Path> files(String glob) {
        var matcher = ROOT.getFileSystem().getPathMatcher("glob:" + glob);
        try (Stream<Path> walk = Files.walk(ROOT)) {
            return walk.filter(p -> !ROOT.relativize(p).toString().contains("target/"))
                    .filter(p -> !ROOT.relativize(p).toString().contains("node_modules"))
                    .filter(p -> matcher.matches(ROOT.relativize(p)))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
