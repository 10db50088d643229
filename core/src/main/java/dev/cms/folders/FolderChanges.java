package dev.cms.folders;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What changed between two plans of one whole-account call ({@link FolderPlan#plan}), folder by
 * folder id: folders now synced that were not ({@link #added}), folders synced before and now
 * under another name or Maildir ({@link #moved}: renamed or moved in the cloud, or on Office365
 * deleted into a synced Deleted Items), and folders no longer synced ({@link #removed}: deleted,
 * or moved or renamed out of the patterns). Pure: it looks at no file and no service.
 *
 * @param moved sorted by the old Maildir's depth, shallowest first: a parent moves before its
 *     subfolders, whose Maildirs (in the verbatim layout) may have moved with it
 * @param removed sorted deepest first: subfolders go before the folder they are in
 */
public record FolderChanges(List<FolderPlan.Mapped> added, List<Moved> moved, List<FolderPlan.Mapped> removed) {
    /** A folder synced before and after, with another mailbox name or Maildir. */
    public record Moved(FolderPlan.Mapped from, FolderPlan.Mapped to) {}

    public FolderChanges {
        added = List.copyOf(added);
        moved = List.copyOf(moved);
        removed = List.copyOf(removed);
    }

    /** The changes from {@code before} to {@code after}, both one call's plan. */
    public static FolderChanges between(List<FolderPlan.Mapped> before, List<FolderPlan.Mapped> after) {
        Map<String, FolderPlan.Mapped> old = new HashMap<>();
        for (FolderPlan.Mapped m : before) {
            old.put(m.folder().id(), m);
        }
        List<FolderPlan.Mapped> added = new ArrayList<>();
        List<Moved> moved = new ArrayList<>();
        for (FolderPlan.Mapped m : after) {
            FolderPlan.Mapped was = old.remove(m.folder().id());
            if (was == null) {
                added.add(m);
            } else if (!was.maildir().equals(m.maildir()) || !was.folder().mailbox().equals(m.folder().mailbox())) {
                moved.add(new Moved(was, m));
            }
        }
        List<FolderPlan.Mapped> removed = new ArrayList<>(old.values());
        moved.sort(Comparator.comparingInt((Moved m) -> depth(m.from().maildir()))
                .thenComparing(m -> m.from().maildir().toString()));
        removed.sort(Comparator.comparingInt((FolderPlan.Mapped m) -> -depth(m.maildir()))
                .thenComparing(m -> m.maildir().toString()));
        return new FolderChanges(added, moved, removed);
    }

    public boolean isEmpty() {
        return added.isEmpty() && moved.isEmpty() && removed.isEmpty();
    }

    private static int depth(Path p) {
        return p.getNameCount();
    }
}
