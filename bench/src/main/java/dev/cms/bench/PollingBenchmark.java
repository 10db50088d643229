package dev.cms.bench;

import dev.cms.config.DeleteAction;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.FakeGraph;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.RequestLog;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.CloudAccount;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.Listing;
import dev.cms.provider.gmail.GmailAccountHistory;
import dev.cms.provider.gmail.GmailLabels;
import dev.cms.provider.gmail.GmailMailbox;
import dev.cms.provider.gmail.GmailOptions;
import dev.cms.provider.graph.GraphAccountPoll;
import dev.cms.provider.graph.GraphMailbox;
import dev.cms.provider.graph.GraphOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Requests of polling a whole account (issue 16, item 5), against the embedded fakes over real
 * HTTP: an Office365 account of {@code --folders} folders and a Gmail account of as many labels,
 * a few messages each, polled through the real provider adapters the way the engine polls them
 * (each mailbox's {@code list} once a poll, with its last token), once with one schedule per
 * account (the whole-account setup) and once with every folder on its own (per-folder calls).
 * It prints the requests of the first poll, of each of {@code --polls} unchanged polls and of a
 * poll after one new message, and the requests of 10 minutes at idle with the default poll
 * interval of 60 s against Outlook's limit of 10,000 requests per 10 minutes per mailbox.
 *
 * <p>Not counted here: the engine's own check of each mailbox's counts (one request per mailbox
 * every 30 minutes), which is the same with or without the schedule.
 */
public final class PollingBenchmark {
    private static final String USER = "bench@example.com";
    private static final String CLIENT = "client-id";
    private static final int OUTLOOK_LIMIT_PER_10_MIN = 10_000;

    private PollingBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        run(args, System.out);
    }

    /** Runs the benchmark with these arguments, printing to {@code out}. */
    static void run(String[] args, PrintStream out) throws Exception {
        // Hundreds of folders on their own keep hundreds of idle connections; the JDK's server
        // closes idle ones beyond 200, which the per-folder run would see as dropped connections.
        System.setProperty("sun.net.httpserver.maxIdleConnections", "2000");
        int folders = 300;
        int polls = 10;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--folders" -> folders = Integer.parseInt(args[++i]);
                case "--polls" -> polls = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (--folders N, --polls N)");
            }
        }
        out.printf(Locale.ROOT, "whole-account polling, %d folders / labels, %d unchanged polls, %d CPUs%n",
                folders, polls, Runtime.getRuntime().availableProcessors());
        graph(folders, polls, out);
        gmail(folders, polls, out);
    }

    // ---------------------------------------------------------------- Office365

    private static void graph(int folders, int polls, PrintStream out) throws Exception {
        try (FakeMicrosoft ms = FakeMicrosoft.start(0)) {
            FakeGraph graph = ms.graph();
            graph.addUser(USER, CLIENT);
            List<String> ids = new ArrayList<>();
            String inbox = graph.folderId(USER, "inbox");
            ids.add(inbox);
            for (String w : List.of("sentitems", "drafts", "deleteditems", "archive", "junkemail")) {
                ids.add(graph.folderId(USER, w));
            }
            List<String> parents = new ArrayList<>(List.of("inbox", "msgfolderroot"));
            while (ids.size() < folders) {
                int i = ids.size();
                String id = graph.addFolder(USER, parents.get(i % parents.size()), "Folder " + i);
                ids.add(id);
                if (i % 25 == 0) {
                    parents.add(id);
                }
            }
            int n = 0;
            for (String f : ids) {
                graph.addMessage(USER, f, mime(++n), Instant.parse("2026-01-01T00:00:00Z").plusSeconds(n), n % 2 == 0,
                        null, false);
            }
            AccessTokenSource tokens = new AccessTokenSource() {
                private String current;

                @Override
                public synchronized String accessToken(boolean forceRefresh) {
                    if (current == null || forceRefresh) {
                        current = ms.identity().issueAccessToken(USER, CLIENT,
                                List.of("https://graph.microsoft.com/Mail.ReadWrite"));
                    }
                    return current;
                }

                @Override
                public String replaceRejected(String token) {
                    return accessToken(true);
                }
            };
            CloudAccount account = new CloudAccount("o365:" + USER, USER, ms.graphEndpoint().toString());
            TimerTicker ticker = new TimerTicker();
            GraphOptions options = new GraphOptions(4, Duration.ofSeconds(30), Duration.ofSeconds(120), ticker,
                    new Random(1), null, null).withTls(ms.trustedSocketFactory(), ms.trustManager());
            GraphAccountPoll poll = new GraphAccountPoll(account, tokens, options);
            Map<String, CloudMailbox> scheduled = new LinkedHashMap<>();
            Map<String, CloudMailbox> alone = new LinkedHashMap<>();
            for (String f : ids) {
                scheduled.put(f, GraphMailbox.ofFolder(account, "F/" + f, f, f.equals(inbox), DeleteAction.ARCHIVE,
                        tokens, options, poll));
                alone.put(f, GraphMailbox.ofFolder(account, "F/" + f, f, DeleteAction.ARCHIVE, tokens, options));
            }
            Supplier<Long> requests = () -> ms.requests().entries().stream().filter(e -> !e.batchPart()).count();
            String changeIn = ids.get(ids.size() / 2);
            int[] k = {n};
            Runnable change = () -> graph.addMessage(USER, changeIn, mime(++k[0]), Instant.parse("2026-01-02T00:00:00Z"),
                    false, null, false);
            Figures whole = run(scheduled, ms.requests(), requests, ticker, polls, change, () -> { });
            Figures each = run(alone, ms.requests(), requests, ticker, polls, change, () -> { });
            int others = folders - 1;
            report(out, "Office365", folders, whole, each, OUTLOOK_LIMIT_PER_10_MIN,
                    "a change no count shows (a flag) in a folder other than the inbox is read within "
                            + 2 * others + " polls (" + 2 * others + " min at 60 s); counts (new, read, moved,"
                            + " deleted mail) within 2 polls");
        }
    }

    // ---------------------------------------------------------------- Gmail

    private static void gmail(int labels, int polls, PrintStream out) throws Exception {
        try (FakeCloud cloud = FakeCloud.start(0)) {
            FakeGmail gmail = cloud.gmail();
            gmail.addAccount(USER, "client-id", "client-secret");
            List<String> names = new ArrayList<>(List.of("INBOX", "SENT", "DRAFT"));
            Map<String, String> ids = new LinkedHashMap<>();
            for (String s : names) {
                ids.put(s, s);
            }
            for (int i = names.size(); i < labels; i++) {
                String name = i % 4 == 0 ? "Lists/l" + i : "Label " + i;
                names.add(name);
                ids.put(name, gmail.addLabel(USER, name));
            }
            int n = 0;
            for (String name : names) {
                gmail.addMessage(USER, mime(++n), Instant.parse("2026-01-01T00:00:00Z").plusSeconds(n),
                        n % 2 == 0 ? Set.of(ids.get(name), "UNREAD") : Set.of(ids.get(name)));
            }
            AccessTokenSource tokens = new AccessTokenSource() {
                private String current;

                @Override
                public synchronized String accessToken(boolean forceRefresh) {
                    if (current == null || forceRefresh) {
                        current = gmail.issueAccessToken(USER, Set.of(FakeGmail.FULL_SCOPE));
                    }
                    return current;
                }

                @Override
                public String replaceRejected(String token) {
                    return accessToken(true);
                }
            };
            CloudAccount account = new CloudAccount("gmail:" + USER, USER, cloud.baseUri().toString());
            TimerTicker ticker = new TimerTicker();
            GmailOptions options = new GmailOptions(1e6, 8, Duration.ofSeconds(30), Duration.ofSeconds(120), ticker,
                    new Random(1));
            GmailAccountHistory history = new GmailAccountHistory(account, tokens, options);
            Map<String, CloudMailbox> shared = new LinkedHashMap<>();
            Map<String, CloudMailbox> alone = new LinkedHashMap<>();
            for (String name : names) {
                shared.put(name, new GmailMailbox(account, name, DeleteAction.ARCHIVE, tokens, options, history));
                alone.put(name, new GmailMailbox(account, name, DeleteAction.ARCHIVE, tokens, options));
            }
            Supplier<Long> requests = () -> (long) cloud.requests().size();
            String changeIn = ids.get(names.get(names.size() / 2));
            int[] k = {n};
            Runnable change = () -> gmail.addMessage(USER, mime(++k[0]), Instant.parse("2026-01-02T00:00:00Z"),
                    Set.of(changeIn));
            // Discovery's one labels.list gives the shared history every label's id, as
            // GMail_Labels does; its request is counted in the first poll.
            Step discover = () -> {
                Map<String, String> byName = new LinkedHashMap<>();
                for (GmailLabels.Label l : GmailLabels.list(account, tokens, options)) {
                    byName.put(l.name(), l.id());
                }
                history.knownLabels(byName);
            };
            Figures whole = run(shared, cloud.requests(), requests, ticker, polls, change, discover);
            Figures each = run(alone, cloud.requests(), requests, ticker, polls, change, () -> { });
            report(out, "Gmail", labels, whole, each, 0, "every change is read in the next poll (history.list covers"
                    + " every label)");
        }
    }

    // ---------------------------------------------------------------- common

    /** Requests of the first poll, of each unchanged poll, and of a poll after one change. */
    private record Figures(long first, List<Long> unchanged, long changed) {
        long perTenMinutes() {
            // The default poll interval is 60 s: ten polls in ten minutes.
            long sum = 0;
            for (int i = 0; i < 10; i++) {
                sum += unchanged.get(i % unchanged.size());
            }
            return sum;
        }

        double mean() {
            return unchanged.stream().mapToLong(Long::longValue).average().orElse(0);
        }
    }

    /** What comes before the first poll (a whole account's discovery). */
    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private static Figures run(Map<String, CloudMailbox> boxes, RequestLog log, Supplier<Long> requests,
                               TimerTicker ticker, int polls, Runnable change, Step beforeFirst) throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        log.clear();
        beforeFirst.run();
        poll(boxes, tokens);
        long first = requests.get();
        List<Long> unchanged = new ArrayList<>();
        for (int i = 0; i < polls; i++) {
            ticker.advance(Duration.ofSeconds(60));
            log.clear();
            poll(boxes, tokens);
            unchanged.add(requests.get());
        }
        // A poll after one new message, and the one after it (a schedule alternates its rounds).
        change.run();
        long changed = 0;
        for (int i = 0; i < 2; i++) {
            ticker.advance(Duration.ofSeconds(60));
            log.clear();
            poll(boxes, tokens);
            changed = Math.max(changed, requests.get());
        }
        return new Figures(first, unchanged, changed);
    }

    private static void poll(Map<String, CloudMailbox> boxes, Map<String, String> tokens) throws Exception {
        for (Map.Entry<String, CloudMailbox> e : boxes.entrySet()) {
            Listing l = e.getValue().list(tokens.get(e.getKey()));
            tokens.put(e.getKey(), l.syncToken());
        }
    }

    private static void report(PrintStream out, String service, int folders, Figures whole, Figures each, int limit, String bound) {
        out.printf(Locale.ROOT, "%n%s, %d folders%n", service, folders);
        out.printf(Locale.ROOT, "  %-28s %12s %12s%n", "requests", "whole acct.", "per folder");
        out.printf(Locale.ROOT, "  %-28s %12d %12d%n", "first poll (full listings)", whole.first(), each.first());
        out.printf(Locale.ROOT, "  %-28s %12.1f %12.1f%n", "unchanged poll, mean", whole.mean(), each.mean());
        out.printf(Locale.ROOT, "  %-28s %12s %12s%n", "unchanged polls, each", brief(whole.unchanged()),
                brief(each.unchanged()));
        out.printf(Locale.ROOT, "  %-28s %12d %12d%n", "poll after one new message", whole.changed(),
                each.changed());
        out.printf(Locale.ROOT, "  %-28s %12d %12d%n", "10 minutes at idle (60 s)", whole.perTenMinutes(),
                each.perTenMinutes());
        if (limit > 0) {
            out.printf(Locale.ROOT, "  %-28s %11.2f%% %11.2f%%   (target < 5 %%)%n", "of Outlook's 10,000 / 10 min",
                    100.0 * whole.perTenMinutes() / limit, 100.0 * each.perTenMinutes() / limit);
        }
        out.println("  " + bound);
    }

    private static String brief(List<Long> values) {
        long min = values.stream().mapToLong(Long::longValue).min().orElse(0);
        long max = values.stream().mapToLong(Long::longValue).max().orElse(0);
        return min == max ? Long.toString(min) : min + "-" + max;
    }

    private static byte[] mime(int n) {
        return ("Message-ID: <bench" + n + "@example.com>\r\nSubject: message " + n + "\r\nFrom: a@example.com\r\n\r\n"
                + "body " + n + "\r\n").getBytes(StandardCharsets.UTF_8);
    }
}
