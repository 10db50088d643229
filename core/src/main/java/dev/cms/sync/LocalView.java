package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What one Maildir holds: every message file with its content hash. Kept from cycle to
 * cycle and brought up to date from the files a watcher names (or a scan), so a cycle
 * looks only at what changed.
 */
final class LocalView {
    final Map<ContentHash, List<MaildirFile>> byHash = new HashMap<>();
    final Map<Path, ContentHash> byPath = new HashMap<>();

    int files() {
        return byPath.size();
    }

    void add(MaildirFile f, ContentHash h) {
        ContentHash before = byPath.put(f.path(), h);
        if (before != null) {
            dropFile(f.path(), before);
        }
        byHash.computeIfAbsent(h, k -> new ArrayList<>(1)).add(f);
    }

    /** Forgets the file at {@code p}; its hash, or null when there was none. */
    @Nullable ContentHash remove(Path p) {
        ContentHash h = byPath.remove(p);
        if (h != null) {
            dropFile(p, h);
        }
        return h;
    }

    private void dropFile(Path p, ContentHash h) {
        List<MaildirFile> files = byHash.get(h);
        if (files != null) {
            files.removeIf(f -> f.path().equals(p));
            if (files.isEmpty()) {
                byHash.remove(h);
            }
        }
    }

    @Nullable FileStat statOf(Path p) {
        ContentHash h = byPath.get(p);
        if (h != null) {
            for (MaildirFile f : byHash.getOrDefault(h, List.of())) {
                if (f.path().equals(p)) {
                    return f.stat();
                }
            }
        }
        return null;
    }
}
