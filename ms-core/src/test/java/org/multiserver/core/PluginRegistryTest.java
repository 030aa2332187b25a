package org.multiserver.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.multiserver.address.AddressSyntaxException;

class PluginRegistryTest {
    private static final String TRANSPORT = "org.multiserver.spi.TransportProvider";

    @TempDir
    Path dir;

    private URLClassLoader loader(Path... jars) throws Exception {
        URL[] urls = new URL[jars.length];
        for (int i = 0; i < jars.length; i++) {
            urls[i] = jars[i].toUri().toURL();
        }
        return new URLClassLoader(urls, getClass().getClassLoader());
    }

    private Path jar(String name, String className, String section) throws Exception {
        return PluginJars.build(dir, name, Map.of(className, PluginJars.transportSource(className, section)),
                Map.of(TRANSPORT, List.of(className)));
    }

    @Test
    void twoProvidersWithOneNameFailLoudlyNamingBothClassesAndJars() throws Exception {
        Path a = jar("alpha-net", "alpha.NetProvider", "tcpx");
        Path b = jar("beta-net", "beta.NetProvider", "tcpx");
        try (URLClassLoader cl = loader(a, b)) {
            assertThatThrownBy(() -> PluginRegistry.load(cl, List.of(), Map.of()))
                    .isInstanceOf(PluginConflictException.class)
                    .hasMessageContaining("'tcpx' is claimed by several plugins")
                    .hasMessageContaining("alpha.NetProvider").hasMessageContaining("alpha-net.jar")
                    .hasMessageContaining("beta.NetProvider").hasMessageContaining("beta-net.jar")
                    .hasMessageContaining("-Dmultiserver.plugin.tcpx=");
        }
    }

    @Test
    void aChoiceSettlesTheConflict() throws Exception {
        Path a = jar("alpha-net", "alpha.NetProvider", "tcpx");
        Path b = jar("beta-net", "beta.NetProvider", "tcpx");
        try (URLClassLoader cl = loader(a, b)) {
            PluginRegistry registry = PluginRegistry.load(cl, List.of(), Map.of("tcpx", "beta.NetProvider"));
            assertThat(registry.transport("tcpx").orElseThrow().getClass().getName()).isEqualTo("beta.NetProvider");
            assertThatThrownBy(() -> PluginRegistry.load(cl, List.of(), Map.of("tcpx", "gamma.Nope")))
                    .isInstanceOf(PluginConflictException.class)
                    .hasMessageContaining("gamma.Nope is not on the class path");
        }
    }

    @Test
    void aBrokenProviderJarIsReportedAndTheOthersStillLoad() throws Exception {
        // Lists a class that is not in the jar, and one whose constructor throws.
        String throwing = "package broken; public class Throws implements org.multiserver.spi.TransportProvider {\n"
                + "  public Throws() { throw new IllegalStateException(\"boom in constructor\"); }\n"
                + "  public String name() { return \"never\"; }\n"
                + "  public org.multiserver.spi.Transport create(org.multiserver.spi.PluginContext c) { return null; }\n"
                + "}\n";
        Path broken = PluginJars.build(dir, "broken", Map.of("broken.Throws", throwing),
                Map.of(TRANSPORT, List.of("broken.Missing", "broken.Throws")));
        Path good = jar("good", "good.Provider", "goodnet");
        try (URLClassLoader cl = loader(broken, good)) {
            PluginRegistry registry = PluginRegistry.load(cl, List.of(), Map.of());
            assertThat(registry.transport("goodnet")).isPresent();
            assertThat(registry.problems()).hasSize(2);
            assertThat(String.join("\n", registry.problems()))
                    .contains("broken.Missing").contains("boom in constructor");
        }
    }

    @Test
    void aSpecNamingAnUnknownProtocolIsASyntaxErrorAtItsColumn() {
        assertThatThrownBy(() -> MultiServer.builder().listen("zzz:127.0.0.1:0~shs").build())
                .isInstanceOfSatisfying(AddressSyntaxException.class, e -> {
                    assertThat(e.column()).isEqualTo(1);
                    assertThat(e.reason()).contains("no transport plugin for 'zzz'");
                });
    }
}
