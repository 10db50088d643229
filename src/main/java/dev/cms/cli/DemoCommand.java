package dev.cms.cli;

import dev.cms.auth.LoginCoordinator;
import dev.cms.config.ConfigLoader;
import dev.cms.config.SyncConfig;
import dev.cms.fakecloud.DemoWorld;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeMicrosoft;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
            "No account or network is needed. It writes DIR/cms.cfg and Maildirs under DIR;",
            "run it again to resume where it stopped. Stop it with Ctrl-C."})
final class DemoCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);
    private static final long SEED = 2026;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "Where to put the demo (default: ./demo-mail).")
    Path dir = Path.of("demo-mail");

    @Option(names = "--cloud-changes", description = "Let the fake cloud act as another client every few seconds.")
    boolean cloudChanges;

    @Option(names = "--messages", paramLabel = "N", description = "Messages per account (default: ${DEFAULT-VALUE}).")
    int messages = 300;

    @Mixin
    Verbosity verbosity = new Verbosity();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path root = dir.toAbsolutePath().normalize();
        Files.createDirectories(root);
        FakeCloud cloud = FakeCloud.start(0);
        FakeMicrosoft microsoft = FakeMicrosoft.start(0);
        // The fake's certificate is trusted by this process only.
        SSLContext.setDefault(microsoft.clientSslContext());
        DemoWorld world = DemoWorld.create(cloud, microsoft, messages, SEED);
        Path cfgFile = writeConfig(root, cloud, microsoft);
        SyncConfig cfg = ConfigLoader.load(cfgFile);
        log.info("demo: fake Gmail at {} and fake Office365 at {}, {} messages each; configuration in {}",
                cloud.baseUri(), microsoft.baseUri(), messages, cfgFile);
        ScheduledExecutorService changes = null;
        if (cloudChanges) {
            changes = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "demo-cloud-changes");
                t.setDaemon(true);
                return t;
            });
            changes.scheduleWithFixedDelay(() -> log.info("demo: {}", world.anotherClientActs()), 8, 6, TimeUnit.SECONDS);
        }
        Providers.Factory factory = (config, db) -> CloudAccess.open(config, db,
                new LoginCoordinator(config.settings().webPort(), true, null, Map.of(), Duration.ofMinutes(2))
                        .withBrowser(new DemoBrowser(microsoft.clientSslContext())))
                .trusting(microsoft.clientSslContext(), microsoft.trustManager());
        PrintWriter out = spec.commandLine().getOut();
        try {
            return CmsCommand.runDaemon(cfg, factory, false, false, first -> printWhatToTry(out, root));
        } finally {
            if (changes != null) {
                changes.shutdownNow();
            }
            cloud.close();
            microsoft.close();
        }
    }

    private static Path writeConfig(Path root, FakeCloud cloud, FakeMicrosoft microsoft) throws IOException {
        String base = cloud.baseUri().toString();
        String text = "# Written by `cloud-mdir-sync demo`: the daemon against an embedded fake cloud.\n"
                + "# The endpoints change at every run; the rest is an ordinary configuration.\n"
                + "gmail_md = MailDir(\"" + root.resolve("gmail") + "\")\n"
                + "office_md = MailDir(\"" + root.resolve("office365") + "\")\n"
                + "lists_md = MailDir(\"" + root.resolve("lists") + "\")\n"
                + "gmail = GMail(\"INBOX\", GMail_Account(user=\"" + DemoWorld.GMAIL_USER + "\",\n"
                + "    client_id=\"" + DemoWorld.GMAIL_CLIENT_ID + "\", client_secret=\""
                + DemoWorld.GMAIL_CLIENT_SECRET + "\",\n"
                + "    auth_endpoint=\"" + base + "oauth2/auth\", token_endpoint=\"" + base + "oauth2/token\",\n"
                + "    api_endpoint=\"" + base + "\", quota_units_per_second=100000))\n"
                + "office = Office365_Account(user=\"" + DemoWorld.O365_USER + "\", client_id=\""
                + DemoWorld.O365_CLIENT_ID + "\",\n"
                + "    authority_host=\"" + strip(microsoft.authorityHost()) + "\", graph_endpoint=\""
                + strip(microsoft.graphEndpoint()) + "\")\n"
                + "office_inbox = Office365(\"inbox\", office)\n"
                + "kernel = Office365(\"" + DemoWorld.O365_LIST_FOLDER + "\", office, delete_action=\"trash\")\n"
                + "# Each account to its own Maildir; mailing-list mail to lists/.\n"
                + "Route(lists_md, mailbox=kernel)\n"
                + "Route(lists_md, header=\"List-ID\", matches=r\".\")\n"
                + "Route(gmail_md, mailbox=gmail)\n"
                + "Route(office_md, mailbox=office_inbox)\n"
                + "cfg.message_db_dir = \"" + root.resolve(".cms") + "\"\n"
                + "cfg.storage_key_file = \"" + root.resolve(".cms").resolve("storage.key") + "\"\n"
                + "cfg.web_port = " + freePort() + "\n"
                + "cfg.poll_interval = 5\n";
        Path f = root.resolve("cms.cfg");
        Files.writeString(f, text);
        return f;
    }

    private static String strip(java.net.URI u) {
        String s = u.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void printWhatToTry(PrintWriter out, Path root) {
        out.println();
        out.println("The demo Maildirs are ready. Try, in another terminal:");
        out.println();
        out.println("  mutt -f " + root.resolve("gmail") + "      (or neomutt; `set maildir_trash=yes` in ~/.muttrc)");
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
