package dev.cms.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes {@code docs/cloud-mdir-sync.1} (a man page in roff) and {@code docs/cloud-mdir-sync.bash}
 * (bash completion) from the picocli command tree, so both follow the options. {@code DocsTest}
 * fails when the committed files differ from what this produces; {@code main} rewrites them.
 */
final class DocsGenerator {
    static final Path MAN_PAGE = Path.of("docs", "cloud-mdir-sync.1");
    static final Path BASH_COMPLETION = Path.of("docs", "cloud-mdir-sync.bash");

    private DocsGenerator() {}

    /** Rewrites both files under {@code args[0]} (default: the working directory, the repository root). */
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "");
        write(root);
    }

    static void write(Path root) throws IOException {
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve(MAN_PAGE), manPage(), StandardCharsets.UTF_8);
        Files.writeString(root.resolve(BASH_COMPLETION), bashCompletion(), StandardCharsets.UTF_8);
    }

    static String bashCompletion() {
        return AutoComplete.bash("cloud-mdir-sync", CmsCommand.commandLine());
    }

    static String manPage() {
        CommandLine cl = CmsCommand.commandLine();
        CommandSpec top = cl.getCommandSpec();
        StringBuilder m = new StringBuilder();
        m.append(".\\\" Generated from the picocli commands by DocsGenerator (src/test/java/dev/cms/cli); do not edit.\n");
        m.append(".\\\" Regenerate: mvn -q -B -o test -Dtest=DocsTest -Ddocs.update=true\n");
        m.append(".TH CLOUD\\-MDIR\\-SYNC 1 \"\" \"cloud-mdir-sync\" \"User Commands\"\n");
        m.append(".SH NAME\n");
        m.append("cloud\\-mdir\\-sync \\- ").append(lowerFirst(stripDot(escape(top.usageMessage().description()[0]))))
                .append('\n');
        m.append(".SH SYNOPSIS\n");
        synopsis(m, top);
        for (CommandLine sub : cl.getSubcommands().values()) {
            synopsis(m, sub.getCommandSpec());
        }
        m.append(".SH DESCRIPTION\n");
        paragraphs(m, top.usageMessage().description());
        m.append(".PP\nThe configuration is read from \\fB\\-c\\fR \\fIFILE\\fR, else \\fI./cms.cfg\\fR, else\n"
                + "\\fI$XDG_CONFIG_HOME/cloud\\-mdir\\-sync/cms.cfg\\fR (\\fI~/.config/cloud\\-mdir\\-sync/cms.cfg\\fR).\n"
                + "Start from \\fIcms.cfg.example\\fR and check a file with \\fBcloud\\-mdir\\-sync check\\fR.\n");
        m.append(".SH OPTIONS\n");
        options(m, top);
        m.append(".SH COMMANDS\n");
        for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
            CommandSpec sub = e.getValue().getCommandSpec();
            m.append(".SS ").append(escape(e.getKey())).append('\n');
            paragraphs(m, sub.usageMessage().description());
            options(m, sub);
        }
        m.append(".SH EXIT STATUS\n");
        for (Map.Entry<String, String> e : top.usageMessage().exitCodeList().entrySet()) {
            m.append(".TP\n.B ").append(escape(e.getKey().strip())).append('\n').append(escape(e.getValue())).append('\n');
        }
        m.append(".SH ENVIRONMENT\n");
        envVar(m, "BROWSER", "The browser started for a login (else xdg\\-open, else the URL is printed).");
        envVar(m, "CMS_STORAGE_KEY", "Base64 of the 32\\-byte key that encrypts saved logins, when there is no keyring.");
        envVar(m, "HOME", "What \\fI~\\fR in configuration paths stands for, and where the default configuration"
                + " (\\fI~/.config\\fR) and state directory (\\fI~/mail/.cms\\fR) are.");
        envVar(m, "XDG_CONFIG_HOME", "Where the default configuration is looked for.");
        envVar(m, "CMS_MAX_HEAP", "The Java heap's limit, e.g. 2g (read by the launcher script; default: a quarter of the"
                + " RAM). The launcher's other JVM options are in cloud\\-mdir\\-sync.jvm\\-options next to it.");
        envVar(m, "JAVA_OPTS", "Options for the Java virtual machine (read by the launcher script, after its own).");
        m.append(".SH FILES\n");
        file(m, "~/mail/.cms/", "The default state directory (cfg.message_db_dir): state.db, hashes/, ids/ (which cloud message has which body, so that a lost state.db costs no downloads), lost+found/, lock."
                + " It must be on the Maildirs' filesystem.");
        file(m, "~/.config/cloud-mdir-sync/cms.cfg", "The default configuration file.");
        m.append(".SH SEE ALSO\n");
        m.append("\\fBmutt\\fR(1), \\fBmsmtp\\fR(1), \\fBmbsync\\fR(1); README.md, docs/smtp.md and docs/imap.md in the sources.\n");
        return m.toString();
    }

    private static void synopsis(StringBuilder m, CommandSpec spec) {
        m.append(".PP\n.B ").append(escape(spec.qualifiedName())).append('\n');
        StringBuilder line = new StringBuilder();
        for (OptionSpec o : spec.options()) {
            if (o.hidden()) {
                continue;
            }
            String name = o.longestName();
            String arg = o.arity().max() > 0 ? " " + o.paramLabel() : "";
            boolean required = o.required();
            line.append(required ? "" : "[").append(name).append(arg).append(required ? "" : "]").append(' ');
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (!p.hidden()) {
                line.append(p.arity().min() == 0 ? "[" + p.paramLabel() + "]" : p.paramLabel()).append(' ');
            }
        }
        if (!spec.subcommands().isEmpty()) {
            line.append("[COMMAND]");
        }
        m.append(escape(line.toString().strip())).append('\n');
    }

    private static void options(StringBuilder m, CommandSpec spec) {
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (p.hidden()) {
                continue;
            }
            m.append(".TP\n.I ").append(escape(p.paramLabel())).append('\n');
            m.append(escape(String.join(" ", p.description()))).append('\n');
        }
        for (OptionSpec o : spec.options()) {
            if (o.hidden()) {
                continue;
            }
            m.append(".TP\n");
            List<String> names = List.of(o.names());
            StringBuilder head = new StringBuilder();
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) {
                    head.append(", ");
                }
                head.append("\\fB").append(escape(names.get(i))).append("\\fR");
            }
            if (o.arity().max() > 0) {
                head.append(" \\fI").append(escape(o.paramLabel())).append("\\fR");
            }
            m.append(head).append('\n');
            m.append(escape(String.join(" ", rendered(o)))).append('\n');
        }
    }

    /** The description with {@code ${DEFAULT-VALUE}} filled in, as {@code --help} shows it. */
    private static String[] rendered(OptionSpec o) {
        String[] d = o.description().clone();
        String def = o.defaultValueString();
        for (int i = 0; i < d.length; i++) {
            d[i] = d[i].replace("${DEFAULT-VALUE}", def == null ? "" : def);
        }
        return d;
    }

    private static void paragraphs(StringBuilder m, String[] lines) {
        m.append(".PP\n");
        for (String l : lines) {
            // picocli's format specifiers (%n) are for its own help rendering, not for roff.
            String text = l.replace("%n", "").strip();
            if (!text.isEmpty()) {
                m.append(escape(text)).append('\n');
            }
        }
    }

    private static void envVar(StringBuilder m, String name, String roffText) {
        m.append(".TP\n.B ").append(name).append('\n').append(roffText).append('\n');
    }

    private static void file(StringBuilder m, String path, String text) {
        m.append(".TP\n.I ").append(escape(path)).append('\n').append(escape(text)).append('\n');
    }

    /** Text safe in roff: backslashes and hyphens escaped, no line starting with a control character. */
    static String escape(String s) {
        String e = s.replace("\\", "\\e").replace("-", "\\-");
        if (e.startsWith(".") || e.startsWith("'")) {
            e = "\\&" + e;
        }
        return e;
    }

    private static String stripDot(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static String lowerFirst(String s) {
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
