package dev.cms.cli;

import dev.cms.auth.LoginCoordinator;
import dev.cms.config.ConfigLoader;
import dev.cms.config.SyncConfig;
import dev.cms.fakecloud.DemoWorld;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.SavedFakeCloud;
import dev.cms.store.StateLock;
import dev.cms.store.StateLockedException;
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
            "No account or network is needed. It writes DIR/cms.cfg, Maildirs and the fake",
            "cloud (DIR/.fakecloud) under DIR; run it again to resume where it stopped.",
            "Stop it with Ctrl-C."})
final class DemoCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);
    private static final long SEED = 2026;

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
        Path root = dir.toAbsolutePath().normalize();
        Files.createDirectories(root);
        // Before anything else is written: a second demo in the same directory stops here.
        Path cloudDir = root.resolve(".fakecloud");
        try (StateLock held = lock(root, cloudDir)) {
            return run(root, cloudDir);
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

    private int run(Path root, Path cloudDir) throws Exception {
        // The same ports as last time where possible: Graph delta links name their host and port.
        Path portsFile = cloudDir.resolve("ports");
        Map<String, Integer> ports = readPorts(portsFile);
        FakeCloud cloud = startOnSavedPort(ports.get("gmail"), FakeCloud::start);
        FakeMicrosoft microsoft = startOnSavedPort(ports.get("microsoft"), FakeMicrosoft::start);
        Files.writeString(portsFile, "gmail=" + cloud.baseUri().getPort() + "\nmicrosoft="
                + microsoft.baseUri().getPort() + "\n");
        // The fake's certificate is trusted by this process only.
        SSLContext.setDefault(microsoft.clientSslContext());
        SavedFakeCloud saved = new SavedFakeCloud(cloudDir, cloud, microsoft);
        DemoWorld world;
        if (saved.exists()) {
            world = DemoWorld.resume(cloud, microsoft, saved, SEED);
            log.info("demo: resuming the fake cloud saved in {}", cloudDir);
        } else {
            world = DemoWorld.create(cloud, microsoft, messages, SEED);
            saved.save();
        }
        // The saved cloud is never behind what the daemon was told: the next run resumes it.
        saved.saveAfterEveryChange();
        Path cfgFile = writeConfig(root, cloud, microsoft);
        SyncConfig cfg = ConfigLoader.load(cfgFile);
        log.info("demo: fake Gmail at {} and fake Office365 at {}; configuration in {}",
                cloud.baseUri(), microsoft.baseUri(), cfgFile);
        ScheduledExecutorService changes = null;
        if (cloudChanges) {
            changes = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "demo-cloud-changes");
                t.setDaemon(true);
                return t;
            });
            changes.scheduleWithFixedDelay(() -> {
                log.info("demo: {}", world.anotherClientActs());
                try {
                    saved.save();
                } catch (IOException e) {
                    log.warn("demo: cannot save the fake cloud in {}: {}", cloudDir, e.getMessage());
                }
            }, 8, 6, TimeUnit.SECONDS);
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

    private interface Starter<T> {
        T start(int port) throws IOException;
    }

    private static <T> T startOnSavedPort(Integer saved, Starter<T> starter) throws IOException {
        if (saved != null) {
            try {
                return starter.start(saved);
            } catch (java.net.BindException e) {
                log.info("demo: port {} of the last run is taken; the fake cloud moves (Office365 then lists"
                        + " its folders in full once)", saved);
            }
        }
        return starter.start(0);
    }

    private static Map<String, Integer> readPorts(Path file) {
        Map<String, Integer> out = new java.util.HashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    int port = Integer.parseInt(line.substring(eq + 1).trim());
                    if (port > 0 && port < 65536) {
                        out.put(line.substring(0, eq).trim(), port);
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no ports saved (first run) or unreadable: ephemeral ports
        }
        return out;
    }

    private static Path writeConfig(Path root, FakeCloud cloud, FakeMicrosoft microsoft) throws IOException {
        String base = cloud.baseUri().toString();
        String text = "# Written by `cloud-mdir-sync demo`: the daemon against an embedded fake cloud.\n"
                + "# The endpoints change at every run (the fake cloud itself is kept in .fakecloud/);\n"
                + "# the rest is an ordinary configuration.\n"
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
