package org.multiserver.examples.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** What a user's build sees of ours: module names in the jars, the BOM, the example's version. */
class PackagingTest {
    /** The jars a user can depend on, all on this module's test class path (through ms-all, ms-tck and ms-cli). */
    static final Set<String> LIBRARIES = Set.of("ms-address", "ms-spi", "ms-testing", "ms-core", "ms-plugin-net",
            "ms-plugin-ws", "ms-plugin-shs", "ms-plugin-shs2", "ms-plugin-onion", "ms-plugin-unix", "ms-tck",
            "ms-cli", "ms-all");

    @Test
    void everyJarNamesItsModuleInItsManifest() throws IOException {
        Map<String, Path> jars = ourJars();
        assertThat(jars.keySet()).as("our jars on the test class path").containsExactlyInAnyOrderElementsOf(LIBRARIES);

        Map<String, String> names = new TreeMap<>();
        Map<String, String> packageOwner = new HashMap<>();
        for (var entry : jars.entrySet()) {
            String declared;
            try (JarFile jar = new JarFile(entry.getValue().toFile())) {
                declared = jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name");
            }
            assertThat(declared).as(entry.getKey() + ": Automatic-Module-Name").isNotNull();
            // The JDK reads the jar as a module: an invalid name fails here (FindException).
            ModuleReference module = ModuleFinder.of(entry.getValue()).findAll().iterator().next();
            ModuleDescriptor descriptor = module.descriptor();
            assertThat(descriptor.name()).isEqualTo(declared).startsWith("org.multiserver.");
            assertThat(names.put(declared, entry.getKey())).as("module name " + declared + " used twice").isNull();
            for (String pkg : descriptor.packages()) {
                String other = packageOwner.put(pkg, entry.getKey());
                assertThat(other).as("package " + pkg + " in " + other + " and " + entry.getKey()
                        + " (a split package cannot go on the module path)").isNull();
            }
        }
        assertThat(names).containsEntry("org.multiserver.core", "ms-core").containsEntry("org.multiserver.net",
                "ms-plugin-net");
    }

    @Test
    void theBomPinsEveryPublishedModuleAndNothingElse() {
        Document bom = Repository.pom("ms-bom");
        assertThat(Repository.text(bom, "version")).isEqualTo(Repository.VERSION);
        Set<String> managed = new TreeSet<>();
        Element deps = Repository.child(Repository.child(bom.getDocumentElement(), "dependencyManagement"),
                "dependencies");
        for (Element dependency : Repository.children(deps, "dependency")) {
            assertThat(Repository.text(dependency, "groupId")).isEqualTo("org.multiserver");
            assertThat(Repository.text(dependency, "version")).isEqualTo("${project.version}");
            managed.add(Repository.text(dependency, "artifactId"));
        }
        assertThat(managed).as("ms-bom's dependencyManagement; a module that is not published sets"
                + " maven.deploy.skip").isEqualTo(published());
        assertThat(published()).containsAll(LIBRARIES);
    }

    @Test
    void msAllBringsTheCoreAndEveryStandardPlugin() {
        Set<String> plugins = new TreeSet<>();
        for (String module : Repository.modules()) {
            if (module.startsWith("ms-plugin-")) {
                plugins.add(module);
            }
        }
        assertThat(plugins).contains("ms-plugin-net", "ms-plugin-ws", "ms-plugin-shs", "ms-plugin-shs2",
                "ms-plugin-onion", "ms-plugin-unix");
        Set<String> brought = new TreeSet<>();
        Element deps = Repository.child(Repository.pom("ms-all").getDocumentElement(), "dependencies");
        for (Element dependency : Repository.children(deps, "dependency")) {
            assertThat(Repository.text(dependency, "scope")).as("ms-all's dependencies are compile scope").isNull();
            brought.add(Repository.text(dependency, "artifactId"));
        }
        Set<String> expected = new TreeSet<>(plugins);
        expected.add("ms-core");
        assertThat(brought).isEqualTo(expected);
    }

    @Test
    void theExampleUsesThisVersion() {
        assertThat(Repository.text(Repository.pom("examples/getting-started"), "properties", "multiserver.version"))
                .isEqualTo(Repository.VERSION);
    }

    /** The root pom's modules in group org.multiserver, except the BOM and those that skip deploy. */
    static Set<String> published() {
        Set<String> published = new TreeSet<>();
        for (String module : Repository.modules()) {
            Document pom = Repository.pom(module);
            String group = Repository.text(pom, "groupId");
            if ((group != null && !group.equals("org.multiserver")) || "true".equals(
                    Repository.text(pom, "properties", "maven.deploy.skip"))) {
                continue;
            }
            String artifact = Repository.text(pom, "artifactId");
            if (!artifact.equals("ms-bom")) {
                published.add(artifact);
            }
        }
        return published;
    }

    /** Our jars on the class path, found by their manifests (ms-all has nothing else), by artifactId. */
    static Map<String, Path> ourJars() throws IOException {
        Map<String, Path> jars = new TreeMap<>();
        for (URL url : Collections.list(PackagingTest.class.getClassLoader().getResources("META-INF/MANIFEST.MF"))) {
            if (!url.getProtocol().equals("jar")) {
                continue;
            }
            String file = url.getPath().substring("file:".length(), url.getPath().indexOf("!/"));
            Path jar = Path.of(java.net.URLDecoder.decode(file, java.nio.charset.StandardCharsets.UTF_8));
            String name = jar.getFileName().toString();
            String suffix = "-" + Repository.VERSION + ".jar";
            if (name.startsWith("ms-") && name.endsWith(suffix) && Files.isRegularFile(jar)) {
                jars.put(name.substring(0, name.length() - suffix.length()), jar);
            }
        }
        return jars;
    }

    @Test
    void ourJarsAreFoundByTheirManifests() throws IOException {
        assertThat(ourJars()).containsKey("ms-all").allSatisfy((name, path) -> assertThat(path).isRegularFile());
        assertThat(List.copyOf(ourJars().keySet())).doesNotContain("ms-examples");
    }
}
