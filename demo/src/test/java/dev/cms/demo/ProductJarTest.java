package dev.cms.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The product's jar (what the launchers run) holds the product only: no fake cloud, demo,
 * benchmark or test class. This module is built after the product, so its jar is there.
 */
class ProductJarTest {
    private static final Path JAR = Path.of("..", "core", "target", "cloud-mdir-sync.jar");

    @Test
    void theProductJarHoldsNoFakeDemoBenchmarkOrTestClass() throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " is built before this module's tests");
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> strays = jar.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith("dev/cms/") && n.endsWith(".class"))
                    .filter(n -> n.startsWith("dev/cms/fakecloud/") || n.startsWith("dev/cms/demo/")
                            || n.startsWith("dev/cms/bench/") || n.startsWith("dev/cms/provider/memory/")
                            || n.matches(".*Tests?(\\$.*)?\\.class"))
                    .toList();
            assertEquals(List.of(), strays);
            assertTrue(jar.getEntry("dev/cms/cli/Main.class") != null, "the product's entry point is in the jar");
        }
    }

    @Test
    void sqliteCarriesNativeLibrariesForLinuxAndMacOnly() throws IOException {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> systems = jar.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith("org/sqlite/native/") && !n.endsWith("/"))
                    .map(n -> n.split("/")[3]).distinct().sorted().toList();
            assertEquals(List.of("Linux", "Linux-Musl", "Mac"), systems);
        }
    }

    @Test
    void jnaCarriesNativeLibrariesForLinuxAndMacOnly() throws IOException {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> natives = jar.stream().map(e -> e.getName())
                    .filter(n -> n.matches("com/sun/jna/[a-z0-9]+-[a-z0-9-]+/[^/]+"))
                    .toList();
            List<String> systems = natives.stream().map(n -> n.split("/")[3].split("-")[0]).distinct().sorted().toList();
            assertEquals(List.of("darwin", "linux"), systems, "JNA's dispatch libraries: " + natives);
            assertTrue(natives.contains("com/sun/jna/linux-x86-64/libjnidispatch.so"), "JNA's library for Linux x86-64");
        }
    }
}
