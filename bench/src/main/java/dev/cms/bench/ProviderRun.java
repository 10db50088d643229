package dev.cms.bench;

import dev.cms.cli.AccountOptions;
import dev.cms.provider.AccessTokenSource;
import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.Office365AccountSpec;
import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirFolder;
import dev.cms.model.Flag;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.gmail.GmailMailbox;
import dev.cms.provider.gmail.GmailOptions;
import dev.cms.provider.graph.GraphMailbox;
import dev.cms.provider.graph.GraphOptions;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.sync.CycleReport;
import dev.cms.sync.Daemon;
import dev.cms.sync.Progress;
import dev.cms.sync.Router;
import dev.cms.sync.SyncEngine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * One provider benchmark case in a JVM of its own (so its CPU time and peak RSS are the
 * daemon's alone): starts the fake in a third JVM through {@link FakeCloudClient}, runs the
 * real provider and {@link SyncEngine} against it, and prints one {@code RESULT k=v ...} line.
 * Usage: {@code ProviderRun MODE PROVIDER MESSAGES SIZE SEED WORKDIR [LIMIT_REQUESTS LIMIT_SECONDS]}, MODE
 * one of {@code full} (every figure), {@code quota} (Gmail with the default 200 units/s: the initial
 * sync only) and {@code limit} (Office365 under Outlook-like mailbox limits: the initial sync only).
 */
public final class ProviderRun {
    static final int GMAIL_PARALLELISM = GmailOptions.DEFAULT_MAX_PARALLEL_FETCHES;
    static final int GRAPH_PARALLELISM = Office365AccountSpec.DEFAULT_MAX_CONCURRENCY;
    /** The ceiling client fetches at most this many bodies (all of them for smaller N). */
    static final int CEILING_MAX = 10_000;
    static final int FLAG_CHANGES = 3;
    static final int POLLS = 20;
    /** Restarts measured, each beside the floor; the table gives their medians. */
    static final int RESTARTS = 3;
    private static final Duration WAIT_LIMIT = Duration.ofMinutes(3);

    private final String mode;
    private final String provider;
    private final int messages;
    private final Path dir;
    private final FakeCloudClient fake;
    private final Map<String, Object> result = new LinkedHashMap<>();
    private final PrintStream log;

    private ProviderRun(String mode, String provider, int messages, Path dir, FakeCloudClient fake, PrintStream log) {
        this.mode = mode;
        this.provider = provider;
        this.messages = messages;
        this.dir = dir;
        this.fake = fake;
        this.log = log;
    }

    public static void main(String[] args) {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        int code = 0;
        try {
            String prefix = args.length > 0 && args[0].equals("idle") ? "IDLE " : "RESULT ";
            System.out.println(prefix + run(args, System.err));
        } catch (Exception | OutOfMemoryError e) {
            System.err.println("ProviderRun failed: " + e);
            e.printStackTrace();
            code = 1;
        }
        System.out.flush();
        System.exit(code);
    }

    static String run(String[] args, PrintStream log) throws Exception {
        if (args.length == 6 && args[0].equals("idle")) {
            // idle PROVIDER WORKDIR BASE TRUSTSTORE TOKEN: the restarted daemon left idle (IdleDaemon).
            Path work = Path.of(args[2]);
            CloudMailbox box = mailbox(args[1], "idle", args[3], args[4].equals("-") ? null : Path.of(args[4]),
                    force -> args[5]);
            return IdleDaemon.run(box, work.resolve("state"), work.resolve("Maildir"), IdleDaemon.DEFAULT_SETTLE);
        }
        if (args.length != 6 && args.length != 8) {
            throw new IllegalArgumentException(
                    "usage: ProviderRun full|quota|limit gmail|office365 MESSAGES SIZE SEED WORKDIR [REQUESTS SECONDS]");
        }
        String mode = args[0];
        String provider = args[1];
        int messages = Integer.parseInt(args[2]);
        int size = Integer.parseInt(args[3]);
        long seed = Long.parseLong(args[4]);
        Path dir = Path.of(args[5]);
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        try (FakeCloudClient fake = FakeCloudClient.start(provider, messages, size, seed, dir)) {
            log.printf(Locale.ROOT, "[bench] %s %s: fake filled with %,d messages in %.1f s%n", provider, mode,
                    messages, (System.nanoTime() - t0) / 1e9);
            ProviderRun r = new ProviderRun(mode, provider, messages, dir, fake, log);
            if (args.length == 8) {
                fake.ask("limit " + args[6] + " " + args[7] + " " + GRAPH_PARALLELISM);
            }
            r.result.put("bytes", Long.parseLong(fake.ready("bytes")));
            r.measure();
            StringBuilder sb = new StringBuilder();
            r.result.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " ").append(k).append('=').append(v));
            return sb.toString();
        }
    }

    private boolean gmail() {
        return provider.equals("gmail");
    }

    private CloudMailbox mailbox() throws IOException, GeneralSecurityException {
        String truststore = fake.ready("truststore");
        return mailbox(provider, mode, fake.ready("base"), truststore == null ? null : Path.of(truststore),
                force -> fake.ask("token"));
    }

    private static CloudMailbox mailbox(String provider, String mode, String base, Path truststore,
            AccessTokenSource tokens) throws IOException, GeneralSecurityException {
        if (provider.equals("gmail")) {
            double quota = mode.equals("quota") ? GmailOptions.DEFAULT_QUOTA_UNITS_PER_SECOND : 1_000_000;
            GmailAccountSpec account = new GmailAccountSpec(FakeCloudServer.GMAIL_USER, FakeCloudServer.GMAIL_CLIENT,
                    "secret", base + "oauth2/auth", base + "oauth2/token", base, (int) quota, null);
            GmailOptions d = GmailOptions.defaults();
            GmailOptions options = new GmailOptions(quota, GMAIL_PARALLELISM, d.connectTimeout(), d.readTimeout(),
                    d.ticker(), new Random(1));
            return new GmailMailbox(AccountOptions.gmail(account), "INBOX", DeleteAction.ARCHIVE, tokens, options);
        }
        Office365AccountSpec account = new Office365AccountSpec(FakeCloudServer.GRAPH_USER, "common",
                FakeCloudServer.GRAPH_CLIENT, false, base, base, GRAPH_PARALLELISM, null);
        SSLContext tls = tls(truststore);
        X509TrustManager trust = trustManager(truststore);
        return new GraphMailbox(AccountOptions.graph(account), "inbox", DeleteAction.ARCHIVE, tokens,
                GraphOptions.defaults(GRAPH_PARALLELISM).withTls(tls.getSocketFactory(), trust));
    }

    private static X509TrustManager trustManager(Path truststore) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(truststore)) {
            ks.load(in, FakeCloudServer.TRUSTSTORE_PASSWORD.toCharArray());
        }
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(ks);
        return (X509TrustManager) f.getTrustManagers()[0];
    }

    private SSLContext tls() throws IOException, GeneralSecurityException {
        return tls(Path.of(fake.ready("truststore")));
    }

    private static SSLContext tls(Path truststore) throws IOException, GeneralSecurityException {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, new javax.net.ssl.TrustManager[] {trustManager(truststore)}, null);
        return c;
    }

    /** An engine with its own state and Maildir under the work dir, and the database to close. */
    private record Engine(SyncEngine engine, StateDb db) {}

    private Engine engine() throws IOException, GeneralSecurityException {
        return engine(dev.cms.time.Ticker.SYSTEM);
    }

    private Engine engine(dev.cms.time.Ticker ticker) throws IOException, GeneralSecurityException {
        Path state = dir.resolve("state");
        MessageStore store = MessageStore.open(state);
        StateDb db = StateDb.open(state.resolve("state.db"));
        SyncEngine e = new SyncEngine(List.of(MaildirFolder.open(dir.resolve("Maildir"))), List.of(mailbox()),
                Router.defaultOnly(), store, db, false, ticker, Progress.NONE);
        return new Engine(e, db);
    }

    private void measure() throws Exception {
        // 1. Initial sync.
        Engine first = engine();
        fake.clear();
        long cpu0 = ProcessStats.cpuNanos();
        long t0 = System.nanoTime();
        CycleReport rep = first.engine().runCycle();
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = (ProcessStats.cpuNanos() - cpu0) / 1e9;
        first.db().close();
        if (!rep.ok() || rep.fetched() != messages) {
            throw new IOException("the initial sync failed or fetched " + rep.fetched() + " of " + messages + ": "
                    + rep.errors());
        }
        Map<String, String> s = fake.stats();
        result.put("sync_seconds", fmt(seconds));
        result.put("sync_cpu_seconds", fmt(cpu));
        result.put("sync_calls", s.get("calls"));
        result.put("sync_http", s.get("http"));
        result.put("sync_ok_calls", s.get("ok"));
        result.put("sync_429", s.get("s429"));
        result.put("sync_max_retries", s.get("maxRepeat"));
        result.put("sync_units", s.get("units"));
        result.put("sync_most_retried", s.get("repeated"));
        log.printf(Locale.ROOT, "[bench] %s %s: initial sync of %,d messages in %.1f s%n", provider, mode, messages,
                seconds);
        if (!mode.equals("full")) {
            result.put("rss_peak_bytes", ProcessStats.peakRssBytes());
            return;
        }

        // 2. Restart to idle, RESTARTS times: a new engine over the same state, one cycle; beside
        // each, the floor on the same files (readdir + lstat of the Maildir, hashes/ listed,
        // state.db's rows). The last engine stays for the polls.
        List<Double> restarts = new ArrayList<>();
        List<Double> restartCpus = new ArrayList<>();
        List<Double> floors = new ArrayList<>();
        List<Double> floorCpus = new ArrayList<>();
        boolean restartIdle = true;
        long restartFetched = 0;
        long restartCalls = 0;
        TimerTicker ticker = new TimerTicker(); // moved on only by the polls after the restarts
        Engine second = null;
        for (int k = 0; k < RESTARTS; k++) {
            if (second != null) {
                second.db().close();
            }
            Floor floor = Floor.measure(dir.resolve("Maildir"), dir.resolve("state"));
            floors.add(floor.seconds());
            floorCpus.add(floor.cpuSeconds());
            ProcessStats.CpuMark restartCpu0 = ProcessStats.CpuMark.now();
            t0 = System.nanoTime();
            second = engine(ticker);
            fake.clear();
            CycleReport restart = second.engine().runCycle();
            restarts.add((System.nanoTime() - t0) / 1e9);
            restartCpus.add(restartCpu0.elapsedNanos() / 1e9);
            restartFetched += restart.fetched();
            restartIdle &= restart.ok() && restart.idle();
            restartCalls = Math.max(restartCalls, fake.stat("calls"));
        }
        result.put("floor_seconds", fmt(Results.median(floors)));
        result.put("floor_cpu_seconds", fmt(Results.median(floorCpus)));
        result.put("floor_each", join(floors, "%.2f"));
        result.put("restart_seconds", fmt(Results.median(restarts)));
        result.put("restart_cpu_seconds", fmt(Results.median(restartCpus)));
        result.put("restart_each", join(restarts, "%.2f"));
        result.put("restart_count", RESTARTS);
        result.put("restart_fetched", restartFetched);
        result.put("restart_idle", restartIdle);
        result.put("restart_calls", restartCalls);

        // 3. Unchanged timer polls: the engine's clock moved on by a poll interval before each, so
        // each is the cycle the daemon's poll timer runs (periodic full scan included).
        List<Double> pollCpu = new ArrayList<>();
        List<Double> pollWall = new ArrayList<>();
        boolean pollsIdle = true;
        fake.clear();
        // As the daemon does once its watcher runs: a poll looks only at the files the watcher
        // named (none here), with a names-only safety scan every ten minutes.
        second.engine().useFileEvents(dev.cms.sync.Daemon.Options.DEFAULT_SAFETY_SCAN);
        for (int k = 0; k < POLLS; k++) {
            ticker.advance(CoreBenchmark.POLL_INTERVAL.plusSeconds(1));
            ProcessStats.CpuMark pollCpu0 = ProcessStats.CpuMark.now();
            t0 = System.nanoTime();
            CycleReport poll = second.engine().runCycle();
            pollWall.add((System.nanoTime() - t0) / 1e6);
            pollCpu.add(pollCpu0.elapsedNanos() / 1e6);
            pollsIdle &= poll.ok() && poll.idle();
        }
        result.put("poll_millis", fmt(Results.median(pollWall)));
        result.put("poll_cpu_millis", fmt(Results.median(pollCpu)));
        result.put("poll_cpu_each", join(pollCpu));
        result.put("poll_count", POLLS);
        result.put("poll_calls", fmt((double) fake.stat("calls") / POLLS));
        result.put("poll_idle", pollsIdle);

        // 4. Local flag change -> cloud, through the real daemon and its Maildir watcher.
        List<Double> flags = flagChanges(second.engine());
        result.put("flag_millis", join(flags));
        result.put("cpu_seconds_total", fmt(ProcessStats.cpuNanos() / 1e9));
        result.put("rss_peak_bytes", ProcessStats.peakRssBytes());
        second.db().close();

        // The restarted daemon left idle in a JVM of its own under the launcher's flags: its RSS.
        Map<String, String> idle = IdleDaemon.measure(LauncherFlags.read(), ProviderRun.class.getName(), List.of("idle", provider,
                dir.toString(), fake.ready("base"), fake.ready("truststore") == null ? "-" : fake.ready("truststore"),
                fake.ask("token")));
        result.put("idle_rss_bytes", idle.get("rss"));
        result.put("idle_heap_committed_bytes", idle.get("heap_committed"));
        result.put("idle_restart_seconds", idle.get("restart_seconds"));

        // 5. The fake's own ceiling: a plain parallel client fetching the same bodies.
        ceiling();
    }

    private List<Double> flagChanges(SyncEngine engine) throws IOException, InterruptedException {
        Path maildir = dir.resolve("Maildir");
        Daemon daemon = new Daemon(engine, List.of(maildir), Daemon.Options.defaults(Duration.ofHours(1)),
                dev.cms.time.Ticker.SYSTEM);
        DaemonThread running = DaemonThread.start(daemon, "bench-daemon");
        Thread thread = running.thread;
        AtomicReference<Throwable> crashed = running.crashed;
        List<Double> out = new ArrayList<>();
        try {
            await(() -> daemon.lastReport() != null, crashed, "the daemon's first cycle");
            List<MaildirFile> unread = new ArrayList<>();
            for (MaildirFile f : MaildirFolder.open(maildir).scan()) {
                if (!f.flags().has(Flag.READ)) {
                    unread.add(f);
                }
            }
            unread.sort(Comparator.comparing(f -> f.path().getFileName().toString()));
            for (int k = 0; k < FLAG_CHANGES && k < unread.size(); k++) {
                MaildirFile f = unread.get(k * unread.size() / FLAG_CHANGES);
                String messageId = messageId(f.path());
                CycleReport before = daemon.lastReport();
                long t0 = System.nanoTime();
                Files.move(f.path(), maildir.resolve("cur").resolve(f.name().base() + ":2,S"));
                await(() -> fake.ask("read " + messageId).equals("true"), crashed, "the flag change to reach the fake");
                out.add((System.nanoTime() - t0) / 1e6);
                await(() -> daemon.lastReport() != before, crashed, "the cycle that pushed the change to end");
                Thread.sleep(500); // more than the debounce: let any follow-up cycle start and end
            }
        } finally {
            daemon.stop();
            daemon.awaitFinished(WAIT_LIMIT);
            thread.join(WAIT_LIMIT.toMillis());
        }
        if (crashed.get() != null) {
            throw new IOException("the daemon failed: " + crashed.get(), crashed.get());
        }
        return out;
    }

    private static String messageId(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null && !line.isEmpty()) {
                if (line.regionMatches(true, 0, "Message-ID:", 0, 11)) {
                    return line.substring(11).trim();
                }
            }
        }
        throw new IOException("no Message-ID header in " + file);
    }

    @FunctionalInterface
    private interface Condition {
        boolean holds() throws IOException;
    }

    private static void await(Condition c, AtomicReference<Throwable> crashed, String what)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT_LIMIT.toNanos();
        while (!c.holds()) {
            if (crashed.get() != null) {
                throw new IOException("the daemon ended while waiting for " + what, crashed.get());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("gave up waiting for " + what + " after " + WAIT_LIMIT);
            }
            Thread.sleep(2);
        }
    }

    /** Fetches up to {@link #CEILING_MAX} bodies with java.net.http at the provider's parallelism. */
    private void ceiling() throws Exception {
        Path idFile = dir.resolve("ids.txt");
        fake.ask("ids " + idFile);
        List<String> ids = Files.readAllLines(idFile, StandardCharsets.UTF_8);
        if (ids.size() > CEILING_MAX) {
            ids = ids.subList(0, CEILING_MAX);
        }
        int parallel = gmail() ? GMAIL_PARALLELISM : GRAPH_PARALLELISM;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30));
        if (!gmail()) {
            b.sslContext(tls());
        }
        String base = fake.ready("base");
        String token = fake.ask("token");
        List<String> todo = ids;
        AtomicInteger next = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            HttpClient client = b.executor(pool).build();
            List<Future<?>> tasks = new ArrayList<>();
            ExecutorService workers = Executors.newFixedThreadPool(parallel);
            long t0 = System.nanoTime();
            try {
                for (int w = 0; w < parallel; w++) {
                    tasks.add(workers.submit(() -> {
                        for (int i = next.getAndIncrement(); i < todo.size(); i = next.getAndIncrement()) {
                            String id = todo.get(i);
                            URI uri = URI.create(gmail() ? base + "gmail/v1/users/me/messages/" + id + "?format=raw"
                                    : base + "/v1.0/me/messages/" + id + "/$value");
                            HttpRequest req = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                                    .GET().build();
                            HttpResponse<byte[]> resp = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
                            if (resp.statusCode() != 200) {
                                throw new IOException("ceiling client: " + uri + " answered " + resp.statusCode());
                            }
                            bytes.addAndGet(resp.body().length);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : tasks) {
                    f.get();
                }
            } finally {
                workers.shutdownNow();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            result.put("ceiling_messages", todo.size());
            result.put("ceiling_seconds", fmt(seconds));
            result.put("ceiling_parallel", parallel);
        } finally {
            pool.shutdownNow();
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String join(List<Double> values) {
        return join(values, "%.1f");
    }

    private static String join(List<Double> values, String format) {
        StringBuilder sb = new StringBuilder();
        for (double d : values) {
            sb.append(sb.length() == 0 ? "" : ",").append(String.format(Locale.ROOT, format, d));
        }
        return sb.length() == 0 ? "-" : sb.toString();
    }
}
