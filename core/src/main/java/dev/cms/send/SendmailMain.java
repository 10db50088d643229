package dev.cms.send;

import dev.cms.config.AccountSpec;
import dev.cms.config.ConfigException;
import dev.cms.config.ConfigLoader;
import dev.cms.config.OutboxSpec;
import dev.cms.config.SyncConfig;
import dev.cms.config.UserHome;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code cms-sendmail} and {@code cloud-mdir-sync sendmail}: sendmail's command line, the message
 * on standard input, handed to the running daemon's outbox socket; queued in the outbox directly
 * when no daemon runs (unless {@code --no-queue}). Exit codes are sendmail's ({@link SysExits}).
 * Only JDK classes and the configuration parser run here, so that it starts fast.
 */
public final class SendmailMain {
    static final String USAGE = "usage: cms-sendmail [-t] [-i|-oi] [-f FROM] [-F NAME] [--account USER] [-c CFG]"
            + " [--cms_sock PATH] [--no-queue] [--] [RECIPIENT...] < message";

    /** The parsed command line. */
    record Args(Submission.Options options, @Nullable Path config, @Nullable Path socket, boolean noQueue, boolean help) {}

    private SendmailMain() {}

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8));
        System.exit(run(args, System.in, out, err, System.getenv(), Clock.systemDefaultZone()));
    }

    /** Runs one invocation; returns its exit code. Output: one line on {@code err} when something is wrong. */
    public static int run(String[] argv, InputStream in, PrintWriter out, PrintWriter err, Map<String, String> env,
            Clock clock) {
        try {
            Args a = parse(argv);
            if (a.help()) {
                out.println(USAGE);
                out.println("Hands the message to cloud-mdir-sync's Outbox, which sends it through the Graph or"
                        + " Gmail API (see docs/sending.md).");
                out.flush();
                return SysExits.OK;
            }
            return submit(a, in, err, env, clock);
        } catch (SendmailException e) {
            err.println("cms-sendmail: " + e.getMessage());
            err.flush();
            return e.exitCode();
        }
    }

    private static int submit(Args a, InputStream in, PrintWriter err, Map<String, String> env, Clock clock)
            throws SendmailException {
        @Nullable SyncConfig cfg = null;
        @Nullable OutboxSpec outboxSpec = null;
        Path socket = a.socket();
        if (a.config() != null || socket == null) {
            cfg = loadConfig(a.config(), env);
            outboxSpec = cfg.outbox();
            if (outboxSpec == null) {
                throw new SendmailException(SysExits.CONFIG, cfg.file() + " declares no Outbox(...): add Outbox()"
                        + " to send mail through the daemon (see docs/sending.md)");
            }
            if (socket == null) {
                socket = outboxSpec.path();
            }
        }
        List<SendAccount> accounts = accounts(outboxSpec, socket);
        byte[] input;
        try {
            input = Submission.read(in, a.options().dotEnds());
        } catch (IOException e) {
            throw new SendmailException(SysExits.DATAERR, "cannot read the message from standard input: "
                    + e.getMessage());
        }
        Submission s = Submission.prepare(input, a.options(), accounts, clock.instant(), clock.getZone());
        try {
            OutboxClient.send(socket, s.account().key(), s.message());
            return SysExits.OK;
        } catch (OutboxClient.NotRunning e) {
            if (a.noQueue() || cfg == null) {
                throw new SendmailException(SysExits.TEMPFAIL, "not sent: " + e.getMessage()
                        + (a.noQueue() ? " (--no-queue)" : ""));
            }
            return queue(s, cfg, err, clock);
        } catch (IOException e) {
            throw new SendmailException(SysExits.TEMPFAIL, "not sent: " + e.getMessage());
        }
    }

    /** The accounts the Outbox sends for: the configuration's, or else the running daemon's. */
    private static List<SendAccount> accounts(@Nullable OutboxSpec outbox, Path socket) throws SendmailException {
        if (outbox == null) {
            try {
                return OutboxClient.accounts(socket);
            } catch (IOException e) {
                throw new SendmailException(SysExits.TEMPFAIL, "not sent: " + e.getMessage()
                        + "; without a configuration (-c) nothing can be queued");
            }
        }
        List<SendAccount> accounts = new ArrayList<>();
        for (AccountSpec acct : outbox.accounts()) {
            accounts.add(SendAccount.of(acct));
        }
        return accounts;
    }

    /** No daemon: queue it ourselves, as msmtpq does; the daemon sends it when it starts. */
    private static int queue(Submission s, SyncConfig cfg, PrintWriter err, Clock clock) throws SendmailException {
        Path stateDir = cfg.settings().messageDbDir();
        try {
            if (!Files.isDirectory(stateDir)) {
                Files.createDirectories(stateDir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            }
            Outbox outbox = Outbox.open(stateDir);
            String id = outbox.queue(s, clock.instant());
            err.println("cms-sendmail: the daemon is not running; queued " + id + " in " + outbox.root()
                    + ": it is sent when the daemon starts");
            err.flush();
            return SysExits.OK;
        } catch (IOException e) {
            throw new SendmailException(SysExits.CANTCREAT, "not sent and not queued: cannot write the outbox in "
                    + stateDir + ": " + e.getMessage());
        }
    }

    static SyncConfig loadConfig(@Nullable Path given, Map<String, String> env) throws SendmailException {
        Path file = given;
        if (file == null) {
            Path local = Path.of("cms.cfg").toAbsolutePath();
            String xdg = env.get("XDG_CONFIG_HOME");
            Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                    : UserHome.of(env, System.getProperty("user.home")).resolve(".config");
            Path user = base.resolve("cloud-mdir-sync").resolve("cms.cfg");
            if (Files.exists(local)) {
                file = local;
            } else if (Files.exists(user)) {
                file = user;
            } else {
                throw new SendmailException(SysExits.CONFIG, "no configuration file: neither " + local + " nor "
                        + user + " exists; name it with -c FILE or the daemon's socket with --cms_sock PATH");
            }
        }
        try {
            return ConfigLoader.load(file);
        } catch (ConfigException e) {
            throw new SendmailException(SysExits.CONFIG, String.valueOf(e.getMessage()));
        }
    }

    /** sendmail's options; those that do not apply to an API sender are accepted and ignored. */
    static Args parse(String[] argv) throws SendmailException {
        return new ArgsParser(argv).parse();
    }

    /** Reads the command line left to right into its fields, one method per kind of option. */
    private static final class ArgsParser {
        private final String[] argv;
        private int i;
        private boolean t = false;
        private boolean dotEnds = true;
        private @Nullable String from = null;
        private @Nullable String name = null;
        private @Nullable String account = null;
        private @Nullable Path config = null;
        private @Nullable Path socket = null;
        private boolean noQueue = false;
        private boolean help = false;
        private final List<String> recipients = new ArrayList<>();

        ArgsParser(String[] argv) {
            this.argv = argv;
        }

        Args parse() throws SendmailException {
            for (i = 0; i < argv.length; i++) {
                String arg = argv[i];
                if (arg.equals("--")) {
                    i++;
                    break;
                }
                if (!arg.startsWith("-") || arg.equals("-")) {
                    recipients.add(arg);
                } else if (arg.startsWith("--")) {
                    longOption(arg);
                } else {
                    shortOption(arg);
                }
            }
            for (; i < argv.length; i++) {
                recipients.add(argv[i]);
            }
            return new Args(new Submission.Options(t, recipients, from, name, account, dotEnds), config, socket,
                    noQueue, help);
        }

        /** {@code --name}, {@code --name=value} or {@code --name value}. */
        private void longOption(String arg) throws SendmailException {
            String longName = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : null;
            switch (longName) {
                case "--account", "--cms_sock", "--cms-sock", "--config" -> {
                    if (value == null) {
                        value = next(longName);
                    }
                    if (value.isEmpty()) {
                        throw new SendmailException(SysExits.USAGE, longName + " needs a value");
                    }
                    if (longName.equals("--account")) {
                        account = value;
                    } else if (longName.equals("--config")) {
                        config = Path.of(value);
                    } else {
                        socket = Path.of(value);
                    }
                }
                case "--no-queue" -> noQueue = true;
                case "--help" -> help = true;
                default -> throw unknownOption(arg);
            }
        }

        /** sendmail's one-letter options, the letter's argument attached or the next word. */
        private void shortOption(String arg) throws SendmailException {
            char c = arg.charAt(1);
            String attached = arg.length() > 2 ? arg.substring(2) : null;
            switch (c) {
                case 't' -> {
                    if (attached != null) {
                        throw unknownOption(arg);
                    }
                    t = true;
                }
                case 'i' -> {
                    if (attached != null) {
                        throw unknownOption(arg);
                    }
                    dotEnds = false;
                }
                case 'h' -> help = true;
                case 'o' -> {
                    // -oi: dots; -oem/-oee/-oep/-oeq/-oew, -odb/-odi/-odq, -oQ..., -om, -oA..: ignored.
                    if ("i".equals(attached)) {
                        dotEnds = false;
                    } else if (attached == null) {
                        throw new SendmailException(SysExits.USAGE, "-o needs an option letter (e.g. -oi)");
                    }
                }
                case 'f', 'r', 'F', 'c', 'B', 'N', 'R', 'V', 'X', 'L', 'O', 'p', 'q', 'C' ->
                        valueOption(c, attached != null ? attached : next("-" + c));
                case 'b' -> {
                    if (!"m".equals(attached)) {
                        throw new SendmailException(SysExits.USAGE, "-b" + (attached == null ? "" : attached)
                                + " is not supported: cms-sendmail only delivers a message (-bm)");
                    }
                }
                case 'e', 'm', 'v', 'U', 'G', 'n', 'A', 'D', 'd' -> { } // error modes, verbosity, submission: ignored
                default -> throw unknownOption(arg);
            }
        }

        /** A one-letter option that takes a value. */
        private void valueOption(char c, String value) throws SendmailException {
            switch (c) {
                case 'f', 'r' -> from = unbracket(value);
                case 'F' -> name = value;
                case 'c' -> config = Path.of(value);
                case 'q', 'C', 'p' -> throw new SendmailException(SysExits.USAGE, "-" + c
                        + " is not supported by cms-sendmail");
                default -> { } // -B 8BITMIME, -N dsn, -R ret, -V envid, -X log, -L tag, -O opt: no meaning here
            }
        }

        /** The word after the option {@code option}, which needs it. */
        private String next(String option) throws SendmailException {
            if (i + 1 >= argv.length) {
                throw new SendmailException(SysExits.USAGE, option + " needs a value");
            }
            return argv[++i];
        }
    }

    private static SendmailException unknownOption(String arg) {
        return new SendmailException(SysExits.USAGE, "unknown option " + Addresses.quote(arg)
                + " (cms-sendmail --help lists the options)");
    }

    private static String unbracket(String s) {
        String v = s.strip();
        return v.startsWith("<") && v.endsWith(">") ? v.substring(1, v.length() - 1) : v;
    }
}
