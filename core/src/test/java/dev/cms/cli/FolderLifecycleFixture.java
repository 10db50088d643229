package dev.cms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.config.ConfigLoader;
import dev.cms.config.SyncConfig;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.sync.CycleReport;
import dev.cms.sync.Progress;
import dev.cms.time.FakeTicker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's parts as {@link SyncSetup} builds them for whole accounts, against the embedded
 * fakes over real HTTP, polled as the daemon polls: a cycle, then the folders followed
 * ({@link SyncSetup#followFolders}) and, when they changed, a cycle of the new engine at once.
 */
abstract class FolderLifecycleFixture {
    static final String CLIENT = "client-id";

    @TempDir
    Path tmp;

    final FakeTicker ticker = new FakeTicker(Instant.parse("2026-03-01T00:00:00Z"));
    final MessageGenerator gen = new MessageGenerator(23, "someone@example.com");
    /** How many times the folders changed and the engine was rebuilt. */
    int rebuilds;

    SyncSetup open(String cfgText, FakeCloud google, FakeMicrosoft ms) throws Exception {
        Path cfg = tmp.resolve("cms.cfg");
        Files.writeString(cfg, cfgText + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n");
        SyncConfig config = ConfigLoader.load(cfg);
        return SyncSetup.open(config, (c, db) -> new FakeCloudProviders(google, ms, CLIENT), false, Progress.NONE,
                ticker);
    }

    /** One poll of the daemon, a minute after the last. */
    void poll(SyncSetup s) throws Exception {
        poll(s, Duration.ofSeconds(60));
    }

    void poll(SyncSetup s, Duration after) throws Exception {
        ticker.advance(after);
        CycleReport r = s.engine.runCycle();
        assertTrue(r.ok(), r.toString());
        if (s.followFolders() != null) {
            rebuilds++;
            CycleReport again = s.engine.runCycle();
            assertTrue(again.ok(), again.toString());
        }
    }

    /** Every Maildir under {@code root} (a directory with cur/, new/ and tmp/), relative to it. */
    static Set<String> maildirsUnder(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return new TreeSet<>(s.filter(p -> Files.isDirectory(p.resolve("cur"))
                            && Files.isDirectory(p.resolve("new")) && Files.isDirectory(p.resolve("tmp")))
                    .map(p -> root.relativize(p).toString()).toList());
        }
    }

    /** The files of a Maildir's cur/ and new/. */
    static Set<Path> files(Path maildir) throws Exception {
        Set<Path> out = new TreeSet<>();
        for (String sub : new String[] {"cur", "new"}) {
            try (Stream<Path> s = Files.list(maildir.resolve(sub))) {
                s.forEach(out::add);
            }
        }
        return out;
    }

    /** A file of the user's own (not from the cloud) in {@code maildir}'s cur/. */
    static byte[] ownFile(Path maildir, String name) throws Exception {
        byte[] mine = ("From: me@example.com\nSubject: my own notes\nMessage-ID: <" + name + "@local>\n\nkeep me\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Files.write(maildir.resolve("cur").resolve(name + ":2,S"), mine);
        return mine;
    }

    /**
     * mutt's {@code s} of the message file {@code original} into {@code maildir} with flag
     * {@code letters}: the message written again as mutt 2.2 and Debian's neomutt write it (LF
     * line ends, {@code Status:}, {@code Content-Length:} and {@code Lines:} added to the
     * header), the original left where it is (mutt removes it when it syncs the mailbox). The
     * saved file's path.
     */
    static Path saveAsMutt(Path original, Path maildir, String letters) throws Exception {
        String text = Files.readString(original, java.nio.charset.StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
        int split = text.indexOf("\n\n") + 1;
        String body = text.substring(split + 1);
        String added = "Status: RO\nContent-Length: " + body.length() + "\nLines: " + body.split("\n", -1).length
                + "\n";
        Path saved = maildir.resolve("cur").resolve("1767225600.R7.mutt:2," + letters);
        Files.writeString(saved, text.substring(0, split) + added + "\n" + body,
                java.nio.charset.StandardCharsets.ISO_8859_1);
        return saved;
    }

    /** The one file of {@code maildir} (asserting there is exactly one). */
    static Path onlyFile(Path maildir) throws Exception {
        Set<Path> files = files(maildir);
        assertEquals(1, files.size(), files.toString());
        return files.iterator().next();
    }

    /** Asserts that nothing went to the state directory's lost+found/. */
    void assertNoLostAndFound() throws Exception {
        Path lost = tmp.resolve("state").resolve("lost+found");
        assertTrue(!Files.exists(lost) || lostAndFound().isEmpty(), "nothing in lost+found");
    }

    /** The files in the state directory's lost+found/. */
    Set<Path> lostAndFound() throws Exception {
        try (Stream<Path> s = Files.list(tmp.resolve("state").resolve("lost+found"))) {
            return new TreeSet<>(s.toList());
        }
    }
}
