package org.multiserver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.multiserver.shs2.Shs2TransformProvider;

/**
 * A multiserver that never heard of shs2: the test class path without ms-plugin-shs2 (for child JVMs), a class
 * loader that hides it (in this JVM), and its jar alone (for a plugin path).
 */
final class WithoutShs2 {
    private WithoutShs2() {
    }

    /**
     * Where this JVM loads shs2 from: its jar (~/.m2, or ms-plugin-shs2/target in a reactor {@code mvn verify}) or
     * its classes folder (a reactor {@code mvn test}, which never packages it).
     */
    static Path location() {
        try {
            return Path.of(Shs2TransformProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toAbsolutePath().normalize();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The test class path minus ms-plugin-shs2. */
    static String classPath() {
        Path shs2 = location();
        List<String> all = Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
        List<String> rest = all.stream().filter(entry -> !Path.of(entry).toAbsolutePath().normalize().equals(shs2))
                .toList();
        assertThat(rest).as("the test class path %s holds %s once", all, shs2).hasSize(all.size() - 1);
        return String.join(File.pathSeparator, rest);
    }

    /** The shs2 plugin as a user drops it in: one jar in {@code dir}. */
    static Path pluginJar(Path dir) throws IOException {
        Path jar = Files.createDirectories(dir).resolve("ms-plugin-shs2.jar");
        Path shs2 = location();
        if (Files.isRegularFile(shs2)) {
            Files.copy(shs2, jar);
            return jar;
        }
        // What mvn package would make of the classes folder: the classes and the services file.
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(shs2)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new JarEntry(shs2.relativize(file).toString().replace(File.separatorChar, '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        return jar;
    }

    /**
     * This JVM's class loader with ms-plugin-shs2 hidden: its classes are not found and its resources (the services
     * file ServiceLoader reads) are not listed, so a MultiServer built on it has no shs2 plugin.
     */
    static ClassLoader loader() {
        return new Hiding(WithoutShs2.class.getClassLoader(), location());
    }

    private static final class Hiding extends ClassLoader {
        private final Path hidden;

        Hiding(ClassLoader parent, Path hidden) {
            super("without-shs2", parent);
            this.hidden = hidden;
        }

        /** True for a resource inside the hidden jar or folder ({@code jar:file:/x.jar!/...}, {@code file:/x/...}). */
        private boolean isHidden(URL url) {
            String text = url.toString();
            if (text.startsWith("jar:")) {
                int bang = text.indexOf("!/");
                text = bang < 0 ? text.substring(4) : text.substring(4, bang);
            }
            if (!text.startsWith("file:")) {
                return false;
            }
            try {
                return Path.of(new java.net.URI(text)).toAbsolutePath().normalize().startsWith(hidden);
            } catch (URISyntaxException | IllegalArgumentException e) {
                return false;
            }
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("org.multiserver.shs2.")) {
                throw new ClassNotFoundException(name + " (ms-plugin-shs2 is hidden)");
            }
            return super.loadClass(name, resolve);
        }

        @Override
        public URL getResource(String name) {
            try {
                Enumeration<URL> all = getResources(name);
                return all.hasMoreElements() ? all.nextElement() : null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            List<URL> shown = new ArrayList<>();
            for (URL url : Collections.list(getParent().getResources(name))) {
                if (!isHidden(url)) {
                    shown.add(url);
                }
            }
            return Collections.enumeration(shown);
        }

        @Override
        public String toString() {
            return "the test class loader without ms-plugin-shs2";
        }
    }
}
