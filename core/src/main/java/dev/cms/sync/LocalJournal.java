package dev.cms.sync;

import dev.cms.maildir.MaildirName;
import dev.cms.model.ContentHash;
import dev.cms.store.StateDb;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crash journal of local changes: files the running daemon saw someone else change, written
 * to {@code state.db} at once, so that a start after a crash or stop pushes those changes rather
 * than undoing them. Per Maildir, the contents the journal named at start-up, until pushed.
 */
final class LocalJournal {
    private static final Logger log = LoggerFactory.getLogger(LocalJournal.class);

    private final StateDb db;
    private final List<String> keys;
    private final List<Set<ContentHash>> journaled = new ArrayList<>();

    LocalJournal(StateDb db, List<String> keys, StateDb.Journal loaded) {
        this.db = db;
        this.keys = keys;
        for (String key : keys) {
            journaled.add(new HashSet<>(loaded.hashes().getOrDefault(key, Set.of())));
        }
        if (loaded.head() > 0) {
            log.info("{} local change(s) seen before the last stop were not pushed yet; pushing them",
                    journaled.stream().mapToInt(Set::size).sum());
        }
    }

    /** Journals, durably, files of Maildir {@code i} that someone else changed. */
    void record(int i, List<Path> files) {
        List<String> names = new ArrayList<>(files.size());
        for (Path f : files) {
            names.add(MaildirName.parse(f.getFileName().toString()).base());
        }
        try {
            db.journalLocalChanges(keys.get(i), names);
        } catch (IOException e) {
            log.error("cannot journal local changes in {}: {} (they are pushed by the next cycle unless the daemon"
                    + " stops first)", keys.get(i), e.getMessage());
        }
    }

    /** Whether the journal named content {@code h} of Maildir {@code i} at start-up. */
    boolean names(int i, ContentHash h) {
        return journaled.get(i).contains(h);
    }

    boolean any() {
        return journaled.stream().anyMatch(j -> !j.isEmpty());
    }

    /** Every journaled change was pushed. */
    void done() {
        journaled.forEach(Set::clear);
    }
}
