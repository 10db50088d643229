package dev.cms.bench;

import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirFolder;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.sync.Daemon;
import dev.cms.sync.Progress;
import dev.cms.sync.Router;
import dev.cms.sync.SyncEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Failure isolation: for a healthy mailbox, while another mailbox of the same daemon fails
 * every listing (as a cloud answering 503 would), against the same figures with both healthy:
 * the latency from a local flag change to its provider call, and from new mail in the cloud to
 * its file in the Maildir (poll interval 3 s). The real {@link Daemon} with its production
 * options (debounce, backoff 10 s to 5 min) over the in-memory provider. Prints medians and
 * ratios; asserts nothing.
 *
 * <p>Usage: {@code bench/run-isolation [CHANGES [NEW_MAILS]]} (default 15 and 5 per case).
 */
public final class IsolationBenchmark {
    private static final Duration WAIT_LIMIT = Duration.ofMinutes(6);

    private IsolationBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        }
        int changes = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int mails = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        long[] healthy = run(false, changes, mails);
        long[] isolated = run(true, changes, mails);
        String[] what = {"local change -> provider call", "new cloud mail -> Maildir (poll 3 s)"};
        for (int i = 0; i < 2; i++) {
            System.out.printf(Locale.ROOT, "%-52s %8d ms both healthy, %8d ms other failing, ratio %.2f%n",
                    "median " + what[i], healthy[i], isolated[i], (double) isolated[i] / healthy[i]);
        }
        System.out.println("target: the healthy mailbox keeps its pace (ratio ~1; a change within 10 s)");
    }

    /**
     * The median latencies in ms of the healthy mailbox: over {@code changes} local flag changes,
     * and over {@code mails} new cloud messages.
     */
    private static long[] run(boolean otherFailing, int changes, int mails) throws Exception {
        Path dir = Files.createTempDirectory("cms-isolation-");
        try {
            InMemoryMailbox healthy = InMemoryMailbox.likeOffice365("bench:office365:inbox");
            InMemoryMailbox other = InMemoryMailbox.likeGmail("bench:gmail:INBOX");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < changes; i++) {
                ids.add(healthy.add(message("h" + i), Flags.NONE, null));
                other.add(message("o" + i), Flags.NONE, null);
            }
            if (otherFailing) {
                other.failNext(InMemoryMailbox.Op.LIST, Integer.MAX_VALUE);
            }
            Path state = dir.resolve("state");
            MessageStore store = MessageStore.open(state);
            try (StateDb db = StateDb.open(state.resolve("state.db"))) {
                List<MaildirFolder> maildirs = List.of(MaildirFolder.open(dir.resolve("healthy")),
                        MaildirFolder.open(dir.resolve("other")));
                Router router = new Router(List.of(new Router.Rule(1, 1, null, null, null)));
                List<CloudMailbox> boxes = List.of(healthy, other);
                SyncEngine engine = new SyncEngine(maildirs, boxes, router, store, db, false, dev.cms.time.Ticker.SYSTEM,
                        Progress.NONE);
                Daemon daemon = new Daemon(engine, List.of(dir.resolve("healthy"), dir.resolve("other")),
                        Daemon.Options.defaults(Duration.ofSeconds(3)), dev.cms.time.Ticker.SYSTEM);
                Thread t = new Thread(() -> {
                    try {
                        daemon.run();
                    } catch (Exception e) {
                        e.printStackTrace();
                    }
                }, "daemon");
                t.start();
                try {
                    waitFor(() -> maildirs.get(0).scan().size() == changes, "the first delivery");
                    // Let the failing mailbox's backoff grow as it would over a longer outage.
                    Thread.sleep(otherFailing ? 2_000 : 0);
                    List<Long> latencies = new ArrayList<>();
                    for (String id : ids) {
                        MaildirFile f = unread(maildirs.get(0));
                        long before = healthy.changesApplied();
                        long start = System.nanoTime();
                        Files.move(f.path(), f.path().getParent().getParent().resolve("cur")
                                .resolve(f.name().base() + ":2,S"));
                        waitFor(() -> healthy.changesApplied() > before, "the change of " + id);
                        latencies.add((System.nanoTime() - start) / 1_000_000);
                    }
                    latencies.sort(null);
                    if (!healthy.flags(ids.get(0)).has(Flag.READ)) {
                        throw new IllegalStateException("the change did not reach the mailbox");
                    }
                    List<Long> arrivals = new ArrayList<>();
                    java.util.Random phase = new java.util.Random(42);
                    for (int i = 0; i < mails; i++) {
                        int expected = changes + i + 1;
                        // New mail at a random point of the poll interval, after the echo of the last delivery.
                        Thread.sleep(500 + phase.nextInt(3_000));
                        long start = System.nanoTime();
                        healthy.add(message("new" + i), Flags.NONE, null);
                        waitFor(() -> maildirs.get(0).scan().size() == expected, "new mail " + i);
                        arrivals.add((System.nanoTime() - start) / 1_000_000);
                    }
                    arrivals.sort(null);
                    return new long[] {latencies.get(latencies.size() / 2), arrivals.get(arrivals.size() / 2)};
                } finally {
                    daemon.stop();
                    daemon.awaitFinished(Duration.ofSeconds(30));
                }
            }
        } finally {
            BenchFiles.deleteTree(dir);
        }
    }

    private static MaildirFile unread(MaildirFolder folder) throws IOException {
        for (MaildirFile f : folder.scan()) {
            if (!f.flags().has(Flag.READ)) {
                return f;
            }
        }
        throw new IllegalStateException("no unread message left");
    }

    private interface Condition {
        boolean holds() throws IOException;
    }

    private static void waitFor(Condition c, String what) throws Exception {
        long deadline = System.nanoTime() + WAIT_LIMIT.toNanos();
        while (!c.holds()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(1);
        }
    }

    private static byte[] message(String id) {
        return ("From: a@example.com\r\nSubject: isolation " + id + "\r\nMessage-ID: <" + id
                + "@example.com>\r\n\r\nbody " + id + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }
}
