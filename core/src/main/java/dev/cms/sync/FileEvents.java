package dev.cms.sync;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a watcher told about each Maildir since the last cycle took it: the files it named, and
 * whether it lost events. Written from the watcher's thread, taken by the cycle's; thread-safe.
 */
final class FileEvents {
    /** What one Maildir's look starts from. */
    record Taken(Set<Path> dirty, boolean lost, @Nullable Duration safetyScanEvery, boolean watcherStarted,
            long safetyScanSince) {}

    private final List<Path> roots;
    /** Per Maildir, the files named since the last take; guarded by {@code this}. */
    private final List<Set<Path>> dirty = new ArrayList<>();
    private final boolean[] lost;
    /** Per Maildir, whether {@link #useFileEvents} came since the last take. */
    private final boolean[] started;
    /** With a watcher: how often a names-only listing catches what it missed; null: no watcher. */
    private @Nullable Duration safetyScanEvery;
    /** When the watcher started (ticker nanos): the safety scan's period counts from there. */
    private long safetyScanSince;

    FileEvents(List<Path> roots) {
        this.roots = roots;
        this.lost = new boolean[roots.size()];
        this.started = new boolean[roots.size()];
        for (int i = 0; i < roots.size(); i++) {
            dirty.add(new HashSet<>());
        }
    }

    /** Files of Maildir {@code i} (as a watcher names them: their directory and name count). */
    synchronized void changed(int i, List<Path> files) {
        Set<Path> d = dirty.get(i);
        for (Path f : files) {
            Path dir = f.getParent();
            if (dir != null && dir.getFileName() != null) {
                d.add(roots.get(i).resolve(dir.getFileName().toString()).resolve(f.getFileName().toString()));
            }
        }
    }

    /** Has the next look at Maildir {@code i} read {@code file} again. */
    synchronized void markDirty(int i, Path file) {
        dirty.get(i).add(file);
    }

    synchronized void lost(int i) {
        lost[i] = true;
    }

    /** A watcher runs from {@code now} on (null: none any more). */
    synchronized void useFileEvents(@Nullable Duration safetyScanEvery, long now) {
        this.safetyScanEvery = safetyScanEvery;
        this.safetyScanSince = now;
        java.util.Arrays.fill(started, true);
    }

    /** Whether a watcher names the changed files (cycles look only at those). */
    synchronized boolean watching() {
        return safetyScanEvery != null;
    }

    /** What was told about Maildir {@code i} since the last take. */
    synchronized Taken take(int i) {
        Taken t = new Taken(dirty.get(i), lost[i], safetyScanEvery, started[i], safetyScanSince);
        dirty.set(i, new HashSet<>());
        lost[i] = false;
        started[i] = false;
        return t;
    }
}
