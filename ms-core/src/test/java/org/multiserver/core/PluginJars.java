package org.multiserver.core;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Builds real plugin jars at test time: compiles sources against the test class path and lists services. */
final class PluginJars {
    private PluginJars() {
    }

    /**
     * @param sources  fully qualified class name to Java source
     * @param services service interface name to the lines of its {@code META-INF/services} file
     */
    static Path build(Path dir, String jarName, Map<String, String> sources, Map<String, List<String>> services)
            throws IOException {
        Path src = Files.createDirectories(dir.resolve(jarName + "-src"));
        Path classes = Files.createDirectories(dir.resolve(jarName + "-classes"));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue());
        }
        if (!sources.isEmpty()) {
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            List<String> args = new java.util.ArrayList<>(List.of("-d", classes.toString(),
                    "-cp", System.getProperty("java.class.path"), "--release", "17"));
            try (Stream<Path> files = Files.walk(src)) {
                files.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
            }
            int rc = javac.run(null, null, null, args.toArray(String[]::new));
            if (rc != 0) {
                throw new IllegalStateException("test plugin did not compile");
            }
        }
        Path jar = dir.resolve(jarName + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                    Files.copy(p, out);
                    out.closeEntry();
                }
            }
            for (Map.Entry<String, List<String>> e : services.entrySet()) {
                out.putNextEntry(new JarEntry("META-INF/services/" + e.getKey()));
                OutputStream o = out;
                o.write((String.join("\n", e.getValue()) + "\n").getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return jar;
    }

    /** Source of a transport provider named {@code name} whose transport does nothing useful. */
    static String transportSource(String className, String name) {
        int dot = className.lastIndexOf('.');
        return "package " + className.substring(0, dot) + ";\n"
                + "public class " + className.substring(dot + 1) + " implements org.multiserver.spi.TransportProvider {\n"
                + "  public String name() { return \"" + name + "\"; }\n"
                + "  public org.multiserver.spi.Transport create(org.multiserver.spi.PluginContext c) {\n"
                + "    throw new UnsupportedOperationException(\"" + className + "\");\n"
                + "  }\n"
                + "}\n";
    }
}
