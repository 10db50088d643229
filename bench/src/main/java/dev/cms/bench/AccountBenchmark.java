package dev.cms.bench;

import dev.cms.cli.BenchDaemon;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.sync.Daemon;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A whole account through the real daemon (issue 16, "Tests and figures"): an Office365 account
 * of {@code --folders} folders and a Gmail account of as many labels, {@code --messages} messages
 * spread over them ({@link AccountFill}), in the embedded fakes over real HTTP. The daemon is the
 * product's own set-up for a {@code cms.cfg} holding {@code Office365_Folders(..., include=["*"])}
 * or {@code GMail_Labels(..., include=["*"])} ({@link BenchDaemon}: the real adapters, engine,
 * store, {@code state.db} and Maildirs; tokens straight from the fake). Per cloud it prints the
 * initial sync (wall, CPU of the daemon's and of the fake's threads, messages/s, requests), the
 * requests of each poll after it over {@code --idle-minutes} minutes of idle polling at the
 * default interval (60 s, the engine's clock moved on between polls), requests per 10 minutes,
 * and the fake's serving ceiling measured with a plain client. Asserts nothing.
 */
public final class AccountBenchmark {
    static final String GRAPH_USER = "bench@example.com";
    static final String GRAPH_CLIENT = "11111111-2222-3333-4444-555555555555";
    static final String GMAIL_USER = "bench@gmail.example";
    static final Duration POLL = Duration.ofSeconds(60);
    static final int OUTLOOK_LIMIT_PER_10_MIN = 10_000;
    static final int CEILING_MAX = 10_000;

    record Options(int folders, int messages, int size, long seed, int idleMinutes, List<String> clouds,
            Path dir) {
        static final String USAGE = "usage: AccountBenchmark [--folders N (300)] [--messages N (100000)]"
                + " [--size BYTES (2048)] [--seed S (42)] [--idle-minutes M (60)]"
                + " [--clouds office365,gmail] [--dir DIR (temp dir, deleted)]";

        static Options parse(String[] args) {
            int folders = 300;
            int messages = 100_000;
            int size = 2048;
            long seed = 42;
            int idle = 60;
            List<String> clouds = List.of("office365", "gmail");
            Path dir = null;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("unknown option or missing value: " + a + "; " + USAGE);
                }
                String v = args[++i].replace("_", "");
                switch (a) {
                    case "--folders" -> folders = Integer.parseInt(v);
                    case "--messages" -> messages = Integer.parseInt(v);
                    case "--size" -> size = Integer.parseInt(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--idle-minutes" -> idle = Integer.parseInt(v);
                    case "--clouds" -> clouds = List.of(v.split(","));
                    case "--dir" -> dir = Path.of(args[i]);
                    default -> throw new IllegalArgumentException("unknown option " + a + "; " + USAGE);
                }
            }
            if (folders < 8 || messages < 1 || size < 256 || idle < 10) {
                throw new IllegalArgumentException("--folders at least 8, --messages at least 1, --size at least"
                        + " 256, --idle-minutes at least 10; " + USAGE);
            }
            for (String c : clouds) {
                if (!c.equals("office365") && !c.equals("gmail")) {
                    throw new IllegalArgumentException("--clouds takes office365 and/or gmail, not " + c);
                }
            }
            return new Options(folders, messages, size, seed, idle, clouds, dir);
        }
    }

    private AccountBenchmark() {}

    public static void main(String[] args) {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        int code;
        try {
            code = run(Options.parse(args), System.out, System.err);
        } catch (IllegalArgumentException e) {
            System.err.println("AccountBenchmark: " + e.getMessage());
            code = 2;
        } catch (OutOfMemoryError e) {
            System.err.println("AccountBenchmark: out of heap (" + e.getMessage() + "); give more with BENCH_HEAP");
            code = 1;
        } catch (Exception e) {
            System.err.println("AccountBenchmark failed: " + e);
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    static int run(Options o, PrintStream out, PrintStream log) throws Exception {
        boolean temporary = o.dir() == null;
        if (!temporary && Files.isDirectory(o.dir())) {
            try (var entries = Files.list(o.dir())) {
                if (entries.findAny().isPresent()) {
                    // A state left by an earlier run would make the first cycle no initial sync.
                    throw new IllegalArgumentException("--dir " + o.dir() + " must be empty or absent");
                }
            }
        }
        System.setProperty("sun.net.httpserver.maxIdleConnections", "2000");
        long start = System.nanoTime();
        out.printf(Locale.ROOT, "whole-account benchmark: %d folders / labels, %,d messages of ~%,d bytes, seed %d%n"
                        + "%s, max heap %d MiB%nload average at start %s%n", o.folders(), o.messages(), o.size(), o.seed(),
                ProviderBenchmark.machine(), Runtime.getRuntime().maxMemory() >> 20, ProviderBenchmark.loadAverage());
        Path work = temporary ? Files.createTempDirectory("cms-account-") : o.dir();
        boolean ok = true;
        try {
            for (String cloud : o.clouds()) {
                AccountRun.Figures f = cloud.equals("office365") ? office365(o, work.resolve(cloud), log)
                        : gmail(o, work.resolve(cloud), log);
                f.print(out, cloud.equals("office365") ? OUTLOOK_LIMIT_PER_10_MIN : 0);
                ok &= f.ok();
            }
        } finally {
            if (temporary) {
                BenchFiles.deleteTree(work);
            }
        }
        out.printf(Locale.ROOT, "%nload average at end %s; whole run %.0f s; peak RSS %d MiB%n",
                ProviderBenchmark.loadAverage(), (System.nanoTime() - start) / 1e9, ProcessStats.peakRssBytes() >> 20);
        return ok ? 0 : 1;
    }

    private static AccountRun.Figures office365(Options o, Path dir, PrintStream log) throws Exception {
        try (FakeMicrosoft ms = FakeMicrosoft.start(0)) {
            ms.graph().addUser(GRAPH_USER, GRAPH_CLIENT);
            log.printf(Locale.ROOT, "[account] Office365: filling %d folders with %,d messages ...%n", o.folders(),
                    o.messages());
            AccountFill.Made made = AccountFill.office365(ms.graph(), GRAPH_USER, o.folders(), o.messages(), o.size(),
                    o.seed());
            String cfg = "work = Office365_Account(user=\"" + GRAPH_USER + "\", client_id=\"" + GRAPH_CLIENT
                    + "\", authority_host=\"" + ms.authorityHost() + "\", graph_endpoint=\"" + ms.graphEndpoint()
                    + "\")\nOffice365_Folders(work, root=\"" + dir.resolve("mail") + "\", include=[\"*\"])\n";
            AccountRun run = new AccountRun("Office365", made, ms.requests(), dir, o, log);
            return run.measure(cfg, (config, ticker) -> BenchDaemon.open(config, null, ms, GRAPH_CLIENT, ticker,
                    Daemon.Options.DEFAULT_SAFETY_SCAN), () -> ceiling(ms, ProviderRun.GRAPH_PARALLELISM, made.folderIds()));
        }
    }

    private static AccountRun.Figures gmail(Options o, Path dir, PrintStream log) throws Exception {
        try (FakeCloud cloud = FakeCloud.start(0)) {
            cloud.gmail().addAccount(GMAIL_USER, "gclient", "gsecret");
            log.printf(Locale.ROOT, "[account] Gmail: filling %d labels with %,d messages ...%n", o.folders(),
                    o.messages());
            AccountFill.Made made = AccountFill.gmail(cloud.gmail(), GMAIL_USER, o.folders(), o.messages(), o.size(),
                    o.seed());
            URI base = cloud.baseUri();
            // The quota raised as in the provider benchmark: the figure is the daemon's, not the limiter's.
            String cfg = "me = GMail_Account(user=\"" + GMAIL_USER + "\", client_id=\"gclient\", client_secret=\"gsecret\","
                    + " auth_endpoint=\"" + base + "oauth2/auth\", token_endpoint=\"" + base + "oauth2/token\","
                    + " api_endpoint=\"" + base + "\", quota_units_per_second=1000000)\n"
                    + "GMail_Labels(me, root=\"" + dir.resolve("mail") + "\", include=[\"*\"])\n";
            AccountRun run = new AccountRun("Gmail", made, cloud.requests(), dir, o, log);
            return run.measure(cfg, (config, ticker) -> BenchDaemon.open(config, cloud, null, GRAPH_CLIENT, ticker,
                    Daemon.Options.DEFAULT_SAFETY_SCAN), () -> ceiling(cloud, ProviderRun.GMAIL_PARALLELISM, List.of()));
        }
    }

    /** The fake's serving rate: a plain client fetching up to {@link #CEILING_MAX} bodies with the provider's parallelism. */
    private static AccountRun.Ceiling ceiling(Object fake, int parallel, List<String> folders) throws Exception {
        List<URI> uris = new ArrayList<>();
        String token;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30));
        if (fake instanceof FakeMicrosoft ms) {
            token = ms.identity().issueAccessToken(GRAPH_USER, GRAPH_CLIENT,
                    List.of("https://graph.microsoft.com/Mail.ReadWrite"));
            b.sslContext(ms.clientSslContext());
            for (String folder : folders) {
                for (String id : ms.graph().messageIds(GRAPH_USER, folder)) {
                    uris.add(URI.create(ms.graphEndpoint() + "/v1.0/me/messages/" + id + "/$value"));
                }
            }
        } else {
            FakeCloud cloud = (FakeCloud) fake;
            token = cloud.gmail().issueAccessToken(GMAIL_USER, Set.of(dev.cms.fakecloud.FakeGmail.FULL_SCOPE));
            for (String id : cloud.gmail().messageIds(GMAIL_USER, null)) {
                uris.add(URI.create(cloud.baseUri() + "gmail/v1/users/me/messages/" + id + "?format=raw"));
            }
        }
        List<URI> todo = uris.subList(0, Math.min(CEILING_MAX, uris.size()));
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        ExecutorService workers = Executors.newFixedThreadPool(parallel);
        try {
            HttpClient client = b.executor(pool).build();
            List<Future<?>> tasks = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int w = 0; w < parallel; w++) {
                tasks.add(workers.submit(() -> {
                    for (int i = next.getAndIncrement(); i < todo.size(); i = next.getAndIncrement()) {
                        HttpRequest req = HttpRequest.newBuilder(todo.get(i)).header("Authorization", "Bearer " + token)
                                .GET().build();
                        HttpResponse<byte[]> resp = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
                        if (resp.statusCode() != 200) {
                            throw new java.io.IOException("ceiling client: " + todo.get(i) + " answered "
                                    + resp.statusCode());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : tasks) {
                f.get();
            }
            return new AccountRun.Ceiling(todo.size(), parallel, (System.nanoTime() - t0) / 1e9);
        } finally {
            workers.shutdownNow();
            pool.shutdownNow();
        }
    }
}
