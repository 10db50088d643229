package dev.cms.cli;

import dev.cms.config.ConfigException;
import dev.cms.config.ConfigLoader;
import dev.cms.config.SyncConfig;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.store.CrossFilesystemException;
import dev.cms.store.StateLockedException;
import dev.cms.sync.CycleReport;
import dev.cms.sync.Daemon;
import dev.cms.time.Ticker;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cloud-mdir-sync}: runs the sync daemon in the foreground. */
@Command(name = "cloud-mdir-sync", mixinStandardHelpOptions = true, versionProvider = Version.class,
        sortOptions = false,
        description = {
            "Keeps local Maildir folders in step with Office365 and Gmail mailboxes.",
            "Runs in the foreground, logging to stderr; stop it with Ctrl-C or SIGTERM.",
        },
        subcommands = {DemoCommand.class, CheckCommand.class, StatusCommand.class, dev.cms.broker.OAuthCommand.class,
            SendmailCommand.class, OutboxCommand.class,
            CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success", "1:failure (network, files, another daemon running)", "2:configuration error",
            "3:authentication failure (a login is needed and cannot happen)"})
final class CmsCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(CmsCommand.class);

    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = "--offline",
            description = "Trust local flags in the first cycle (push them) and ignore messages missing locally.")
    boolean offline;

    @Option(names = "--once", description = "Run one full cycle and exit (for cron and scripts).")
    boolean once;

    @Option(names = "--resync",
            description = "Ignore the saved sync tokens: the first cycle lists every cloud mailbox fully (a recovery"
                    + " mode when the Maildirs and the cloud disagree); message bodies already kept are not"
                    + " downloaded again.")
    boolean resync;

    @Option(names = "--device-code",
            description = "Log Office365 accounts in with a device code (for machines without a browser).")
    boolean deviceCode;

    @Mixin
    Verbosity verbosity = new Verbosity();

    /** Replaced by tests and the demo. */
    Providers.@Nullable Factory providers;

    /** The program's clock; replaced by tests. */
    Ticker ticker = Ticker.SYSTEM;

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new CmsCommand());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setParameterExceptionHandler(new ErrorHandler());
        return cl;
    }

    @Override
    public Integer call() throws Exception {
        SyncConfig cfg = ConfigLoader.load(config.resolve());
        Providers.Factory factory = providers != null ? providers : Providers.real(System.console() != null || !once, deviceCode);
        return runDaemon(cfg, factory, offline, once, resync, null, ticker);
    }

    static int runDaemon(SyncConfig cfg, Providers.Factory factory, boolean offline, boolean once,
            @Nullable Consumer<CycleReport> afterFirstCycle) throws Exception {
        return runDaemon(cfg, factory, offline, once, false, afterFirstCycle, Ticker.SYSTEM);
    }

    /**
     * Runs the daemon until SIGTERM/SIGINT, or one cycle with {@code once}; with {@code resync}
     * the first cycle ignores the saved sync tokens.
     * {@code afterFirstCycle}, when given, is told about the first cycle after which every cloud
     * mailbox is in step (none failed, none waiting out a backoff: the logins a first start needs
     * are done).
     *
     * <p>The daemon logs in in the background: a cycle never waits for a login, the account that
     * needs one fails alone, and its mailboxes are synced at once when the login completes. With
     * {@code once} the cycle waits for a login it needs when one can happen (on a terminal).
     */
    static int runDaemon(SyncConfig cfg, Providers.Factory factory, boolean offline, boolean once, boolean resync,
            @Nullable Consumer<CycleReport> afterFirstCycle, Ticker ticker) throws Exception {
        if (cfg.authenticationOnly()) {
            log.info("no Maildirs configured: running for the credential server only");
        }
        SyncSetup setup = SyncSetup.open(cfg, factory, offline, ConsoleProgress.forStderr(ticker), ticker);
        if (resync && !setup.mailboxes.isEmpty()) {
            log.info("--resync: listing every cloud mailbox fully in the first cycle");
            setup.engine.resync();
        }
        if (once) {
            return runOnce(setup);
        }
        Duration poll = Duration.ofSeconds(cfg.settings().pollInterval());
        Daemon daemon = new Daemon(setup.engine, setup.maildirRoots(), Daemon.Options.defaults(poll)
                .withSafetyScan(Duration.ofSeconds(cfg.settings().safetyScanInterval())), ticker);
        daemon.reconfigureWith(setup.folderFollower()); // whole accounts follow their folders between cycles
        if (setup.outbox != null) {
            setup.outbox.afterSend(daemon::wake); // the next poll brings the sent message into the Sent Maildir
        }
        return runUntilStopped(cfg, setup, daemon, afterFirstCycle);
    }

    /** {@code --once}: one cycle; a failed one is an exception that maps to its exit code. */
    private static int runOnce(SyncSetup setup) throws Exception {
        StopHook stop = StopHook.install(setup, null);
        try {
            CycleReport r = setup.engine.runCycle();
            report(r);
            if (!r.ok()) {
                throw new CycleFailedException(r);
            }
            return ExitCodes.OK;
        } finally {
            stop.closeAndRemove(setup);
        }
    }

    private static int runUntilStopped(SyncConfig cfg, SyncSetup setup, Daemon daemon,
            @Nullable Consumer<CycleReport> afterFirstCycle) throws Exception {
        StopHook stop = StopHook.install(setup, daemon);
        setup.providers.logInInBackground(account -> {
            if (setup.outbox != null) {
                setup.outbox.worker.wake(true); // mail waiting for this login goes now
            }
            List<String> keys = setup.mailboxes.stream()
                    .filter(m -> m.accountKey().equals(account)).map(m -> m.key()).toList();
            if (!keys.isEmpty()) {
                log.info("{} is logged in: syncing its mailbox(es) now", account);
                daemon.retryNow(keys);
            }
        });
        log.info("syncing {} cloud mailbox(es) into {} Maildir(s); state in {}", setup.mailboxes.size(),
                setup.maildirs.size(), cfg.settings().messageDbDir());
        try {
            if (afterFirstCycle != null) {
                tellFirstCycleInStep(daemon, afterFirstCycle);
            }
            daemon.run();
        } finally {
            stop.closeAndRemove(setup);
        }
        return ExitCodes.OK;
    }

    private static void tellFirstCycleInStep(Daemon daemon, Consumer<CycleReport> listener) {
        boolean[] told = {false};
        daemon.afterEachCycle(r -> {
            if (!told[0] && !r.failedAsAWhole() && r.failedMailboxes().isEmpty() && daemon.backingOff().isEmpty()) {
                told[0] = true;
                listener.accept(r);
            }
        });
    }

    private static void report(CycleReport r) {
        for (String e : r.errors()) {
            log.error("{}", e);
        }
        if (r.aborted()) {
            log.info("{}", r.stopSummary());
            return;
        }
        log.info("cycle {}: {}", r.ok() ? "done" : "failed", r);
    }

    /** Turns exceptions into one clear sentence and an exit code; stack traces only with -v. */
    static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
            PrintWriter err = cl.getErr();
            int code;
            String msg;
            if (ex instanceof ConfigException) {
                code = ExitCodes.CONFIG;
                msg = ex.getMessage();
            } else if (ex instanceof CrossFilesystemException) {
                code = ExitCodes.CONFIG;
                msg = ex.getMessage();
            } else if (ex instanceof AuthenticationRequiredException) {
                code = ExitCodes.AUTH;
                msg = ex.getMessage();
            } else if (ex instanceof CycleFailedException failed && failed.loginNeeded()) {
                code = ExitCodes.AUTH;
                msg = ex.getMessage();
            } else if (ex instanceof StateLockedException) {
                code = ExitCodes.FAILURE;
                msg = ex.getMessage();
            } else if (ex instanceof java.nio.file.FileSystemException fse) {
                code = ExitCodes.FAILURE;
                msg = Errors.describe(fse);
            } else {
                code = ExitCodes.FAILURE;
                msg = Errors.describeUnexpected(ex);
            }
            err.println("cloud-mdir-sync: " + msg);
            if (verbose(parsed)) {
                ex.printStackTrace(err);
            } else if (code == ExitCodes.FAILURE && !(ex instanceof java.io.IOException)
                    && !(ex instanceof CycleFailedException)) {
                err.println("(run with -v for details)");
            }
            err.flush();
            return code;
        }

        @Override
        public int handleParseException(CommandLine.ParameterException ex, String[] args) {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("cloud-mdir-sync: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for the options.");
            err.flush();
            return ExitCodes.CONFIG;
        }

        private static boolean verbose(CommandLine.ParseResult parsed) {
            for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
                if (p.hasMatchedOption("-v")) {
                    return true;
                }
            }
            return false;
        }
    }
}
