package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirFolder;
import dev.cms.model.ContentHash;
import dev.cms.model.Flags;
import dev.cms.provider.CloudMailbox;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** A state directory, Maildirs and cloud mailboxes wired to a {@link SyncEngine}, restartable. */
final class SyncFixture implements AutoCloseable {
    final Path root;
    final Path stateDir;
    final List<Path> maildirPaths = new ArrayList<>();
    final List<CloudMailbox> clouds;
    /** The routing rules; a test may change them before a restart. */
    Router router;
    MessageStore store;
    StateDb db;
    List<MaildirFolder> folders;
    SyncEngine engine;
    /**
     * The engine's clock; tests on a fake clock set it before {@link #start}. By default the
     * system's, with the wall clock a minute ahead: a file a test writes is one its writer
     * finished with (new files younger than {@link LocalUploads#MIN_AGE} wait for their upload;
     * the tests of that set their own clock).
     */
    dev.cms.time.Ticker ticker = new AheadOfFiles();
    /** Where the store and the Maildirs change files; tests that inject faults set it before {@link #start}. */
    dev.cms.fs.FileOps files = dev.cms.fs.FileOps.SYSTEM;

    SyncFixture(Path root, int maildirs, List<CloudMailbox> clouds, Router router) throws IOException {
        this.root = root;
        this.stateDir = root.resolve("state");
        for (int i = 0; i < maildirs; i++) {
            maildirPaths.add(root.resolve("mail" + i));
        }
        this.clouds = clouds;
        this.router = router;
    }

    /** Starts (or restarts) the engine over the same state. */
    SyncFixture start(boolean offline) throws IOException {
        close();
        store = MessageStore.open(stateDir, files);
        db = StateDb.open(stateDir.resolve("state.db"));
        folders = new ArrayList<>();
        for (Path p : maildirPaths) {
            folders.add(MaildirFolder.open(p, ticker, files));
        }
        engine = new SyncEngine(folders, clouds, router, store, db, offline, ticker, Progress.NONE);
        return this;
    }

    CycleReport cycle() throws InterruptedException {
        return engine.runCycle();
    }

    CycleReport cycleOk() throws InterruptedException {
        CycleReport r = engine.runCycle();
        assertTrue(r.ok(), () -> "cycle failed: " + r.errors());
        return r;
    }

    /** hash → flags of every message file in Maildir i (asserting no duplicates). */
    Map<ContentHash, Flags> local(int i) throws IOException {
        Map<ContentHash, Flags> out = new HashMap<>();
        for (MaildirFile f : MaildirFolder.open(maildirPaths.get(i)).scan()) {
            Flags prev = out.put(MessageStore.hashOf(f.path()), f.flags());
            assertTrue(prev == null, "duplicate local copy " + f.path());
        }
        return out;
    }

    List<MaildirFile> files(int i) throws IOException {
        return MaildirFolder.open(maildirPaths.get(i)).scan();
    }

    MaildirFile fileFor(int i, byte[] body) throws IOException {
        ContentHash want = MessageStore.hashOf(new java.io.ByteArrayInputStream(body));
        for (MaildirFile f : files(i)) {
            if (MessageStore.hashOf(f.path()).equals(want)) {
                return f;
            }
        }
        return null;
    }

    /** Renames a message file the way a mail reader does, to carry exactly {@code letters}. */
    static Path setLetters(MaildirFile f, String letters) throws IOException {
        Path dir = f.path().getParent().getParent().resolve("cur");
        Path dest = dir.resolve(f.name().base() + ":2," + letters);
        return Files.move(f.path(), dest);
    }

    List<Path> lostAndFound() throws IOException {
        try (Stream<Path> s = Files.list(stateDir.resolve("lost+found"))) {
            return s.toList();
        }
    }

    static ContentHash hash(byte[] body) throws IOException {
        return MessageStore.hashOf(new java.io.ByteArrayInputStream(body));
    }

    @Override
    public void close() throws IOException {
        if (engine != null) {
            engine.close();
        }
        if (db != null) {
            db.close();
            db = null;
        }
    }

    /** {@link dev.cms.time.Ticker#SYSTEM} with the wall clock a minute ahead. */
    private static final class AheadOfFiles implements dev.cms.time.Ticker {
        private static final dev.cms.time.Ticker SYSTEM = dev.cms.time.Ticker.SYSTEM;

        @Override
        public long nanoTime() {
            return SYSTEM.nanoTime();
        }

        @Override
        public java.time.Instant now() {
            return SYSTEM.now().plusSeconds(60);
        }

        @Override
        public void sleep(java.time.Duration d) throws InterruptedException {
            SYSTEM.sleep(d);
        }

        @Override
        public void waitUntil(Object monitor, long deadline) throws InterruptedException {
            SYSTEM.waitUntil(monitor, deadline);
        }

        @Override
        public void wakeAll(Object monitor) {
            SYSTEM.wakeAll(monitor);
        }
    }
}
