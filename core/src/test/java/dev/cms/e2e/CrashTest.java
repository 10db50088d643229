package dev.cms.e2e;

import static dev.cms.testing.MaildirAssert.assertThatDirectory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.MessageGenerator;
import dev.cms.store.StateDb;
import dev.cms.testing.FakeGmailCloud;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 18: the real daemon, as a child JVM against the embedded fake Gmail, is killed with
 * SIGKILL at random points after it has seen a batch of local changes (flags and deletions)
 * and before, during or after the cycle that pushes them. After every kill the next start
 * must push what the dead daemon had seen: at the end nothing is lost, duplicated or
 * reverted, in the cloud or in the Maildir.
 */
class CrashTest extends ChildDaemonTestBase {
    static final String USER = "carol@gmail.example";
    static final int MESSAGES = 30;
    static final int ROUNDS = 6;

    @RegisterExtension
    final FakeGmailCloud fake = FakeGmailCloud.withAccount(USER, "demo-client", "demo-secret");

    /** What the user did to one message: its flags, or deleted. */
    private static final class Wanted {
        boolean read;
        boolean flagged;
        boolean deleted;
    }

    @Test
    void killedAtRandomPointsNothingTheDaemonSawIsLostDuplicatedOrReverted() throws Exception {
        MessageGenerator gen = new MessageGenerator(23, USER);
        Map<String, String> idBySubject = new HashMap<>();
        Map<String, Wanted> wanted = new HashMap<>();
        for (int i = 0; i < MESSAGES; i++) {
            MessageGenerator.Generated g = gen.text(800);
            String id = fake.gmail().addMessage(USER, g.raw(), g.date(), Set.of("INBOX", "UNREAD"));
            idBySubject.put(g.subject(), id);
            wanted.put(id, new Wanted());
        }
        Path cfg = writeConfig();
        Random random = new Random(Long.getLong("crash.seed", 20261204L));
        java.time.Instant started = java.time.Instant.now();
        Process p = daemon(true, "-c", cfg.toString());
        await(() -> unchecked(() -> files().size() == MESSAGES && committedSince(started)), "the first download", p);

        for (int round = 0; round < ROUNDS; round++) {
            if (round > 0) {
                java.time.Instant restarted = java.time.Instant.now();
                p = daemon(false, "-c", cfg.toString());
                Process running = p;
                try {
                    await(() -> unchecked(() -> files().size() == live(wanted) && committedSince(restarted)),
                            "the restart's first cycle", running);
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + " in round " + round + ": " + files().size() + " files, "
                            + live(wanted) + " expected\n" + log(daemons.started() - 2) + "\n----\n"
                            + log(daemons.started() - 1), e);
                }
            }
            // A burst of changes, as a mail reader makes them.
            List<Path> files = files();
            for (int n = 0; n < 5; n++) {
                Path f = files.remove(random.nextInt(files.size()));
                Wanted w = wanted.get(idBySubject.get(subjectOf(f)));
                int what = random.nextInt(7);
                if (what == 0) {
                    Files.delete(f);
                    w.deleted = true;
                } else {
                    if (what % 2 == 0) {
                        w.read = !w.read;
                    } else {
                        w.flagged = !w.flagged;
                    }
                    String letters = (w.flagged ? "F" : "") + (w.read ? "S" : "");
                    String base = f.getFileName().toString().replaceFirst(":2,.*$", "");
                    Files.move(f, f.getParent().getParent().resolve("cur").resolve(base + ":2," + letters));
                }
            }
            // Once the daemon has seen them (journaled, or already pushed), kill it at a random point.
            Process running = p;
            try {
                await(() -> unchecked(() -> journalHead() > 0 || cloudMatches(wanted)), "the changes to be seen", running);
            } catch (AssertionError e) {
                StringBuilder why = new StringBuilder();
                for (Map.Entry<String, Wanted> w : wanted.entrySet()) {
                    why.append(w.getKey()).append(" deleted=").append(w.getValue().deleted).append(" read=")
                            .append(w.getValue().read).append(" flagged=").append(w.getValue().flagged).append(" cloud=")
                            .append(fake.gmail().labelsOf(USER, w.getKey())).append('\n');
                }
                throw new AssertionError(e.getMessage() + " in round " + round + "\n" + why + log(daemons.started() - 1), e);
            }
            Thread.sleep(random.nextInt(400));
            p.destroyForcibly(); // SIGKILL
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }

        Process last = daemon(false, "-c", cfg.toString(), "--once");
        assertTrue(last.waitFor(120, TimeUnit.SECONDS), "the last run ends");
        assertEquals(0, last.exitValue(), log(daemons.started() - 1));

        for (Map.Entry<String, Wanted> e : wanted.entrySet()) {
            Set<String> labels = fake.gmail().labelsOf(USER, e.getKey());
            Wanted w = e.getValue();
            assertEquals(w.deleted, !labels.contains("INBOX"), "deleted? " + e.getKey() + " " + labels);
            if (!w.deleted) {
                assertEquals(w.read, !labels.contains("UNREAD"), "read? " + e.getKey() + " " + labels);
                assertEquals(w.flagged, labels.contains("STARRED"), "flagged? " + e.getKey() + " " + labels);
            }
        }
        Map<String, String> lettersBySubject = new HashMap<>();
        for (Path f : files()) {
            String before = lettersBySubject.put(subjectOf(f), letters(f));
            assertEquals(null, before, "one file per message: " + subjectOf(f));
        }
        for (Map.Entry<String, String> e : idBySubject.entrySet()) {
            Wanted w = wanted.get(e.getValue());
            String want = w.deleted ? null : (w.flagged ? "F" : "") + (w.read ? "S" : "");
            assertEquals(want, lettersBySubject.get(e.getKey()), "the Maildir file of " + e.getKey());
        }
        assertThatDirectory(tmp.resolve("state")).hasNothingIn("lost+found");
    }

    private boolean cloudMatches(Map<String, Wanted> wanted) {
        for (Map.Entry<String, Wanted> e : wanted.entrySet()) {
            Set<String> labels = fake.gmail().labelsOf(USER, e.getKey());
            Wanted w = e.getValue();
            if (w.deleted == labels.contains("INBOX")
                    || !w.deleted && (w.read == labels.contains("UNREAD") || w.flagged != labels.contains("STARRED"))) {
                return false;
            }
        }
        return true;
    }

    private static int live(Map<String, Wanted> wanted) {
        return (int) wanted.values().stream().filter(w -> !w.deleted).count();
    }

    /**
     * True once a cycle that started after {@code t} was committed. (Changes made during the very
     * first download, before its first commit, are the first sync's own business: that sync
     * commits in one piece today.)
     */
    private boolean committedSince(java.time.Instant t) throws IOException {
        Path db = tmp.resolve("state").resolve("state.db");
        if (!Files.exists(db)) {
            return false;
        }
        try (StateDb read = StateDb.openReadOnly(db)) {
            return read.loadMailboxes().stream().anyMatch(m -> m.lastSuccess() != null && m.lastSuccess().isAfter(t));
        }
    }

    private long journalHead() throws IOException {
        Path db = tmp.resolve("state").resolve("state.db");
        if (!Files.exists(db)) {
            return 0;
        }
        try (StateDb read = StateDb.openReadOnly(db)) {
            return read.journalHead();
        }
    }

    private List<Path> files() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String sub : List.of("cur", "new")) {
            Path d = tmp.resolve("mail").resolve(sub);
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.list(d)) {
                    s.filter(f -> !f.getFileName().toString().startsWith(".")).forEach(out::add);
                }
            }
        }
        out.sort(null);
        return out;
    }

    private static String letters(Path f) {
        String name = f.getFileName().toString();
        int at = name.lastIndexOf(":2,");
        TreeSet<Character> set = new TreeSet<>();
        if (at >= 0) {
            for (char c : name.substring(at + 3).toCharArray()) {
                set.add(c);
            }
        }
        StringBuilder sb = new StringBuilder();
        set.forEach(sb::append);
        return sb.toString();
    }

    private static String subjectOf(Path f) throws IOException {
        for (String line : Files.readString(f, StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("Subject: ")) {
                return line.substring("Subject: ".length()).strip();
            }
            if (line.isBlank()) {
                break;
            }
        }
        throw new AssertionError("no Subject in " + f);
    }

    private Path writeConfig() throws IOException {
        return daemons.gmailConfig(fake.cloud(), USER);
    }

    private Process daemon(boolean withBrowser, String... args) throws IOException {
        return daemons.start(withBrowser, args);
    }

    private String log(int i) throws IOException {
        return daemons.log(i);
    }

    private static void await(BooleanSupplier condition, String what, Process p) throws Exception {
        ChildDaemon.await(condition, what, p);
    }

    private static boolean unchecked(ChildDaemon.IoCondition c) {
        return ChildDaemon.unchecked(c);
    }
}
