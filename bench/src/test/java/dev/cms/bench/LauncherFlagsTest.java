package dev.cms.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmarks' idle daemon runs under the flags the launcher really passes to java. */
class LauncherFlagsTest {
    @TempDir
    Path tmp;

    @Test
    void optionsFileIsReadLineByLineWithoutCommentsAndMaxHeapIsAppended() {
        String text = "# a comment\n-XX:+UseSerialGC\n\n  -Xms16m   # why\n-XX:MaxHeapFreeRatio=20\n";
        assertEquals(List.of("-XX:+UseSerialGC", "-Xms16m", "-XX:MaxHeapFreeRatio=20"), LauncherFlags.parse(text, null));
        assertEquals(List.of("-XX:+UseSerialGC", "-Xmx2g"), LauncherFlags.parse("-XX:+UseSerialGC\n", "2g"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LauncherFlags.parse("", "lots"));
        assertTrue(e.getMessage().contains("CMS_MAX_HEAP") && e.getMessage().contains("lots"), e.getMessage());
    }

    /** Runs the real launcher with a stand-in java (and mvn) on the PATH that writes down its arguments. */
    private List<String> launcherArgs(String maxHeap, String javaOpts, String... args) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path seen = tmp.resolve("args.txt");
        script(bin.resolve("java"), "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + seen + "'\n");
        script(bin.resolve("mvn"), "#!/bin/sh\nexit 0\n");
        List<String> cmd = new ArrayList<>(List.of("bash", LauncherFlags.root().resolve("cloud-mdir-sync").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("out.txt").toFile());
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        pb.environment().remove("CMS_MAX_HEAP");
        pb.environment().remove("JAVA_OPTS");
        if (maxHeap != null) {
            pb.environment().put("CMS_MAX_HEAP", maxHeap);
        }
        if (javaOpts != null) {
            pb.environment().put("JAVA_OPTS", javaOpts);
        }
        Process p = pb.start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the launcher ends");
        String out = Files.readString(tmp.resolve("out.txt"));
        assertEquals(0, p.exitValue(), out);
        return Files.readAllLines(seen, StandardCharsets.UTF_8);
    }

    private static void script(Path file, String text) throws Exception {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void theLauncherPassesTheOptionsFileThenMaxHeapThenJavaOpts() throws Exception {
        List<String> expected = new ArrayList<>(LauncherFlags.parse(
                Files.readString(LauncherFlags.root().resolve(LauncherFlags.FILE)), "300m"));
        expected.add("-Dbench.opt=1");
        expected.add("-jar");
        List<String> got = launcherArgs("300m", "-Dbench.opt=1", "--version");
        assertEquals(expected, got.subList(0, expected.size()), got.toString());
        assertEquals("--version", got.get(got.size() - 1), got.toString());
    }

    /**
     * The file starts the heap loose (70/90); a user's ratio in JAVA_OPTS replaces both of the
     * file's, so a maximum below 70 given alone still starts the JVM (it refuses a minimum above
     * the maximum).
     */
    @Test
    void aUsersHeapRatioReplacesBothOfTheFilesAndTheJvmStarts() throws Exception {
        List<String> got = launcherArgs(null, "-XX:MaxHeapFreeRatio=40", "--version");
        List<String> options = got.subList(0, got.indexOf("-jar"));
        assertEquals(List.of("-XX:MaxHeapFreeRatio=40"),
                options.stream().filter(o -> o.contains("HeapFreeRatio")).toList(), got.toString());
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        java.addAll(options);
        java.add("-version");
        Process p = new ProcessBuilder(java).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), out);

        List<String> plain = launcherArgs(null, null, "--version");
        assertTrue(plain.contains("-XX:MinHeapFreeRatio=70") && plain.contains("-XX:MaxHeapFreeRatio=90"),
                plain.toString());
    }

    @Test
    void aBadMaxHeapIsAConfigurationError() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin2"));
        script(bin.resolve("java"), "#!/bin/sh\nexit 0\n");
        script(bin.resolve("mvn"), "#!/bin/sh\nexit 0\n");
        ProcessBuilder pb = new ProcessBuilder("bash", LauncherFlags.root().resolve("cloud-mdir-sync").toString(),
                "--version").redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        pb.environment().put("CMS_MAX_HEAP", "plenty");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("CMS_MAX_HEAP") && out.contains("plenty"), out);
    }
}
