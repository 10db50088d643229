package dev.cms.cli;

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

    @Test
    void theManPageListsEveryCommandAndOption() {
        String man = DocsGenerator.manPage();
        CommandLine cl = CmsCommand.commandLine();
        for (String sub : cl.getSubcommands().keySet()) {
            assertTrue(man.contains(".SS " + sub + "\n"), sub);
        }
        assertTrue(man.contains("\\fB\\-\\-once\\fR"), "--once");
        assertTrue(man.contains("\\fB\\-\\-cms_sock\\fR \\fIPATH\\fR"), "oauth's --cms_sock");
        assertTrue(man.contains(".SH EXIT STATUS"));
        assertFalse(man.contains("${"), "no unrendered variable");
        for (String line : man.split("\n")) {
            assertFalse(line.startsWith(".") && line.length() > 1 && Character.isLowerCase(line.charAt(1))
                    && !line.startsWith(".\\\""), "no text line read as a roff request: " + line);
        }
    }

    @Test
    void theCompletionKnowsTheSubcommandsAndTheirOptions() {
        String bash = DocsGenerator.bashCompletion();
        assertTrue(bash.contains("complete -F _complete_cloud-mdir-sync"), "registers the function");
        for (String word : new String[] {"demo", "check", "status", "oauth", "--once", "--messages", "--cms_sock"}) {
            assertTrue(bash.contains(word), word);
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
