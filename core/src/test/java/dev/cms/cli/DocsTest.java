package dev.cms.cli;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The committed man page and bash completion match the commands' options, and every command,
 * option and parameter has a description. {@code -Ddocs.update=true} rewrites the files.
 */
class DocsTest {
    private static final String HOW = "; regenerate with: mvn -q -B -o test -Dtest=DocsTest -Ddocs.update=true";

    @Test
    void theCommittedManPageAndCompletionAreUpToDate() throws IOException {
        if (Boolean.getBoolean("docs.update")) {
            DocsGenerator.write(Path.of(""));
        }
        assertEquals(DocsGenerator.manPage(), read(DocsGenerator.MAN_PAGE), DocsGenerator.MAN_PAGE + " is out of date" + HOW);
        assertEquals(DocsGenerator.bashCompletion(), read(DocsGenerator.BASH_COMPLETION),
                DocsGenerator.BASH_COMPLETION + " is out of date" + HOW);
    }

    /** Issue 12, item 9: the unit does not restart into the same configuration or login error. */
    @Test
    void theSystemdUnitStopsRestartingOnConfigurationAndLoginErrors() throws IOException {
        java.util.Map<String, java.util.List<String>> unit = new java.util.HashMap<>();
        for (String line : read(Path.of("docs/cloud-mdir-sync.service")).lines().toList()) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                unit.computeIfAbsent(line.substring(0, eq), k -> new java.util.ArrayList<>()).add(line.substring(eq + 1));
            }
        }
        assertEquals(java.util.List.of("on-failure"), unit.get("Restart"));
        java.util.List<String> prevent = java.util.Arrays.asList(
                String.join(" ", unit.getOrDefault("RestartPreventExitStatus", java.util.List.of())).split("\\s+"));
        assertTrue(prevent.contains(String.valueOf(ExitCodes.CONFIG)), "no restart on exit " + ExitCodes.CONFIG);
        assertTrue(prevent.contains(String.valueOf(ExitCodes.AUTH)), "no restart on exit " + ExitCodes.AUTH);
        assertFalse(prevent.contains(String.valueOf(ExitCodes.FAILURE)), "a network failure is retried");
        assertEquals(java.util.List.of("yes"), unit.get("NoNewPrivileges"));
        assertEquals(java.util.List.of("0077"), unit.get("UMask"));
        // The JVM's JIT needs writable and executable memory.
        assertFalse(unit.containsKey("MemoryDenyWriteExecute"), "MemoryDenyWriteExecute breaks the JVM");
        String families = String.join(" ", unit.getOrDefault("RestrictAddressFamilies", java.util.List.of()));
        for (String needed : new String[] {"AF_UNIX", "AF_INET", "AF_INET6"}) {
            assertThatText(families, "RestrictAddressFamilies (the broker, the cloud and the login page need each)").contains(needed);
        }
    }

    /** Where systemd-analyze is installed: the unit has no key systemd does not know. */
    @Test
    void theSystemdUnitParsesWithoutWarnings(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(analyze), "systemd-analyze is installed");
        Path unit = tmp.resolve("cloud-mdir-sync.service");
        Files.writeString(unit, read(Path.of("docs/cloud-mdir-sync.service"))
                .replaceAll("(?m)^ExecStart=.*$", "ExecStart=/bin/true"));
        Path runtime = Files.createDirectory(tmp.resolve("run"),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        ProcessBuilder pb = new ProcessBuilder(analyze.toString(), "verify", "--user", unit.toString())
                .redirectErrorStream(true);
        pb.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        org.junit.jupiter.api.Assumptions.assumeFalse(out.contains("Failed to initialize manager"),
                "systemd-analyze cannot run here: " + out);
        assertEquals("", out.strip(), "systemd-analyze verify --user");
        assertEquals(0, p.exitValue(), out);
    }

    @Test
    void theManPageListsEveryCommandAndOption() {
        String man = DocsGenerator.manPage();
        CommandLine cl = CmsCommand.commandLine();
        for (String sub : cl.getSubcommands().keySet()) {
            assertThatText(man, sub).contains(".SS " + sub + "\n");
        }
        assertThatText(man, "--once").contains("\\fB\\-\\-once\\fR");
        assertThatText(man, "oauth's --cms_sock").contains("\\fB\\-\\-cms_sock\\fR \\fIPATH\\fR");
        assertThatText(man).contains(".SH EXIT STATUS");
        assertThatText(man, "no unrendered variable").doesNotContain("${");
        for (String line : man.split("\n")) {
            assertFalse(line.startsWith(".") && line.length() > 1 && Character.isLowerCase(line.charAt(1))
                    && !line.startsWith(".\\\""), "no text line read as a roff request: " + line);
        }
    }

    @Test
    void theCompletionKnowsTheSubcommandsAndTheirOptions() {
        String bash = DocsGenerator.bashCompletion();
        assertThatText(bash, "registers the function").contains("complete -F _complete_cloud-mdir-sync");
        for (String word : new String[] {"demo", "check", "status", "oauth", "--once", "--messages", "--cms_sock"}) {
            assertThatText(bash, word).contains(word);
        }
    }

    @Test
    void everyCommandOptionAndParameterHasADescription() {
        check(CmsCommand.commandLine());
    }

    private static void check(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        String name = spec.qualifiedName();
        assertTrue(spec.usageMessage().description().length > 0 && !spec.usageMessage().description()[0].isBlank(),
                name + " has a description");
        for (OptionSpec o : spec.options()) {
            assertTrue(o.description().length > 0 && !String.join("", o.description()).isBlank(),
                    name + " " + o.longestName() + " has a description");
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            assertTrue(p.description().length > 0 && !String.join("", p.description()).isBlank(),
                    name + " " + p.paramLabel() + " has a description");
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            check(sub);
        }
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "(missing)";
    }
}
