package org.multiserver.examples.gzip;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drop-in promise: the {@code multiserver} command, started without this plugin on its class path, picks the
 * gzip jar up from {@code --plugin-path} and serves and dials {@code net:127.0.0.1:PORT~shs:KEY~gzip}: compressed,
 * then encrypted (layers apply from the transport outwards).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GzipPluginPathTest {
    @TempDir
    Path dir;

    @Test
    void theCommandPicksTheJarUpFromThePluginPath() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Path classes = Path.of("target", "classes").toAbsolutePath();
        jar(classes, plugins.resolve("ms-plugin-gzip.jar"));

        Process serve = cli("serve", "--listen", "net:127.0.0.1:0~shs~gzip", "--plugin-path", plugins.toString(),
                "--keys", dir.resolve("server").toString());
        try {
            String address = new BufferedReader(new InputStreamReader(serve.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
            assertThat(address).matches("net:127\\.0\\.0\\.1:\\d+~shs:[A-Za-z0-9+/]{43}=~gzip");

            Process connect = cli("connect", address, "--plugin-path", plugins.toString(),
                    "--keys", dir.resolve("client").toString());
            connect.getOutputStream().write("hi through gzip\n".getBytes(StandardCharsets.US_ASCII));
            connect.getOutputStream().close();
            String echoed = new String(connect.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(connect.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(echoed).isEqualTo("hi through gzip\n");
            assertThat(connect.exitValue()).isZero();

            // Without the plugin path the same command cannot dial it, and says so.
            Process without = cli("connect", address, "--keys", dir.resolve("client").toString());
            without.getOutputStream().close();
            String error = new String(without.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(without.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(without.exitValue()).isNotZero();
            assertThat(error).contains("gzip");
        } finally {
            serve.destroy();
            if (!serve.waitFor(10, TimeUnit.SECONDS)) {
                serve.destroyForcibly();
            }
        }
    }

    /** The command in a child JVM whose class path lacks this module's own classes. */
    private Process cli(String... args) throws IOException {
        String own = Path.of("target").toAbsolutePath().toString();
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !Path.of(entry).toAbsolutePath().startsWith(own))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + dir, "-cp", classPath, "org.multiserver.cli.Main"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
    }

    /** What {@code mvn package} would make: the classes and the services file, as a jar. */
    private static void jar(Path classes, Path jar) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace(File.separatorChar, '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
    }
}
