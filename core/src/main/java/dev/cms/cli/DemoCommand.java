package dev.cms.cli;

import dev.cms.auth.LoginCoordinator;
import dev.cms.config.ConfigLoader;
import dev.cms.config.SyncConfig;
import dev.cms.store.StateLock;
import dev.cms.store.StateLockedException;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code demo}: the whole daemon against an embedded fake cloud with generated mail. */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {
            "Try it: the real daemon against an embedded fake cloud with generated mail.",
            "No account or network is needed. It writes DIR/cms.cfg, Maildirs and the fake",
            "cloud (DIR/.fakecloud) under DIR; run it again to resume where it stopped.",
            "Stop it with Ctrl-C."})
final class DemoCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "Where to put the demo (default: ./demo-mail).")
    Path dir = Path.of("demo-mail");

    @Option(names = "--cloud-changes", description = "Let the fake cloud act as another client every few seconds.")
    boolean cloudChanges;

    @Option(names = "--messages", paramLabel = "N", description = "Messages per account in a new demo (default: ${DEFAULT-VALUE}).")
    int messages = 300;

    @Mixin
    Verbosity verbosity = new Verbosity();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DemoCloud provider = ServiceLoader.load(DemoCloud.class).findFirst().orElseThrow(() -> new IOException(
                "the demo's fake cloud is not on the class path: run `./cloud-mdir-sync demo` from the source tree"
                        + " (it builds the demo module)"));
        Path root = dir.toAbsolutePath().normalize();
        Files.createDirectories(root);
        // Before anything else is written: a second demo in the same directory stops here.
        Path cloudDir = root.resolve(".fakecloud");
        try (StateLock held = lock(root, cloudDir)) {
            return run(provider, root, cloudDir);
        }
    }

    private static StateLock lock(Path root, Path cloudDir) throws IOException {
        try {
            return StateLock.acquire(cloudDir);
        } catch (StateLockedException e) {
            throw new IOException("another demo (" + e.pid().stream().mapToObj(p -> "pid " + p).findFirst()
                    .orElse("unknown pid") + ") is already running in " + root
                    + "; stop it first, or give this one another directory", e);
        }
    }

    private int run(DemoCloud provider, Path root, Path cloudDir) throws Exception {
        try (DemoCloud.Running cloud = provider.start(root, cloudDir, messages, cloudChanges)) {
            // The fake's certificate is trusted by this process only.
            SSLContext.setDefault(cloud.sslContext());
            SyncConfig cfg = ConfigLoader.load(cloud.config());
            Providers.Factory factory = (config, db) -> CloudAccess.open(config, db,
                    new LoginCoordinator(config.settings().webPort(), true, null, Map.of(), Duration.ofMinutes(2))
                            .withBrowser(cloud.browser()))
                    .trusting(cloud.sslContext(), cloud.trustManager());
            PrintWriter out = spec.commandLine().getOut();
            return CmsCommand.runDaemon(cfg, factory, false, false, first -> printWhatToTry(out, root));
        }
    }

    private static void printWhatToTry(PrintWriter out, Path root) {
        out.println();
        out.println("The demo Maildirs are ready. Try, in another terminal:");
        out.println();
        out.println("  mutt -f " + root.resolve("gmail") + "      (mutt: `set maildir_trash=yes`; neomutt: `=no`, see the README)");
        out.println("  mutt -f " + root.resolve("office365"));
        out.println("  mutt -f " + root.resolve("lists"));
        out.println();
        out.println("Mark a message read, flag one (F), delete one (d, then $ to sync): the log here shows");
        out.println("each change reaching the fake cloud. `cloud-mdir-sync status -c " + root.resolve("cms.cfg") + "`");
        out.println("shows what the state database knows. Ctrl-C stops; running the demo again resumes.");
        out.println();
        out.flush();
    }
}
