package dev.cms.demo;

import dev.cms.auth.LoginCoordinator;
import dev.cms.cli.DemoCloud;
import dev.cms.fakecloud.DemoWorld;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.SavedFakeCloud;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's cloud: the embedded fake Gmail and Office365 with generated mail, kept in
 * {@code DIR/.fakecloud} between runs, and the {@code cms.cfg} that points the daemon at them.
 */
public final class FakeDemoCloud implements DemoCloud {
    private static final Logger log = LoggerFactory.getLogger(FakeDemoCloud.class);
    private static final long SEED = 2026;

    @Override
    public Running start(Path root, Path cloudDir, int messages, boolean cloudChanges) throws IOException {
        // The same ports as last time where possible: Graph delta links name their host and port.
        Path portsFile = cloudDir.resolve("ports");
        Map<String, Integer> ports = readPorts(portsFile);
        FakeCloud cloud = startOnSavedPort(ports.get("gmail"), FakeCloud::start);
        FakeMicrosoft microsoft;
        try {
            microsoft = startOnSavedPort(ports.get("microsoft"), FakeMicrosoft::start);
        } catch (IOException | RuntimeException e) {
            cloud.close();
            throw e;
        }
        Started started = new Started(cloud, microsoft);
        try {
            Files.writeString(portsFile, "gmail=" + cloud.baseUri().getPort() + "\nmicrosoft="
                    + microsoft.baseUri().getPort() + "\n");
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
            started.config = writeConfig(root, cloud, microsoft);
            log.info("demo: fake Gmail at {} and fake Office365 at {}; configuration in {}",
                    cloud.baseUri(), microsoft.baseUri(), started.config);
            if (cloudChanges) {
                started.changes = anotherClient(world, saved, cloudDir);
            }
            return started;
        } catch (IOException | RuntimeException e) {
            started.close();
            throw e;
        }
    }

    private static ScheduledExecutorService anotherClient(DemoWorld world, SavedFakeCloud saved, Path cloudDir) {
        ScheduledExecutorService changes = Executors.newSingleThreadScheduledExecutor(r -> {
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
        return changes;
    }

    private static final class Started implements Running {
        private final FakeCloud cloud;
        private final FakeMicrosoft microsoft;
        private final DemoBrowser browser;
        Path config;
        ScheduledExecutorService changes;

        Started(FakeCloud cloud, FakeMicrosoft microsoft) {
            this.cloud = cloud;
            this.microsoft = microsoft;
            this.browser = new DemoBrowser(microsoft.clientSslContext());
        }

        @Override
        public Path config() {
            return config;
        }

        @Override
        public SSLContext sslContext() {
            return microsoft.clientSslContext();
        }

        @Override
        public X509TrustManager trustManager() {
            return microsoft.trustManager();
        }

        @Override
        public LoginCoordinator.Browser browser() {
            return browser;
        }

        @Override
        public void close() {
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
            } catch (BindException e) {
                log.info("demo: port {} of the last run is taken; the fake cloud moves (Office365 then lists"
                        + " its folders in full once)", saved);
            }
        }
        return starter.start(0);
    }

    private static Map<String, Integer> readPorts(Path file) {
        Map<String, Integer> out = new HashMap<>();
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

    private static String strip(URI u) {
        String s = u.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
