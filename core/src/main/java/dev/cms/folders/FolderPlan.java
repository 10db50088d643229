package dev.cms.folders;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The folders one whole-account call syncs and the Maildir of each: those its filter selects,
 * mapped by its layout under its root.
 */
public final class FolderPlan {
    /** A synced folder and its Maildir. */
    public record Mapped(AccountFolder folder, Path maildir) {}

    /** Two folders that cannot both have their Maildir where the layout puts them. */
    public static final class MappingException extends Exception {
        private static final long serialVersionUID = 1L;

        MappingException(String message) {
            super(message);
        }
    }

    /** The directories of a Maildir itself, which a folder's Maildir must not be. */
    private static final Set<String> MAILDIR_PARTS = Set.of("cur", "new", "tmp");

    private FolderPlan() {}

    /**
     * The selected folders of {@code folders}, sorted by path, each with its Maildir under
     * {@code root}.
     *
     * @throws MappingException when two selected folders map to one directory, a folder's
     *     Maildir would be another's {@code cur}, {@code new} or {@code tmp}, or a folder has
     *     an empty name; the message names the folders
     */
    public static List<Mapped> plan(FolderFilter filter, FolderLayout layout, Path root, List<AccountFolder> folders)
            throws MappingException {
        return plan(filter, layout, root, folders, List.of());
    }

    /**
     * As {@link #plan(FolderFilter, FolderLayout, Path, List)}, with {@code always} synced
     * whatever the filter says (Gmail's All Mail).
     */
    public static List<Mapped> plan(FolderFilter filter, FolderLayout layout, Path root, List<AccountFolder> folders,
            List<AccountFolder> always) throws MappingException {
        List<AccountFolder> selected = new ArrayList<>(always);
        for (AccountFolder f : folders) {
            if (filter.selects(f.path())) {
                selected.add(f);
            }
        }
        selected.sort(Comparator.comparing(AccountFolder::pathText));
        Map<String, AccountFolder> byDir = new HashMap<>();
        List<Mapped> out = new ArrayList<>();
        for (AccountFolder f : selected) {
            String rel;
            try {
                rel = layout.relativeDir(f.dirNames(), f.inbox());
            } catch (IllegalArgumentException e) {
                throw new MappingException(e.getMessage() + "; leave it out with exclude=[...]");
            }
            AccountFolder other = byDir.putIfAbsent(rel, f);
            if (other != null) {
                throw new MappingException("folders \"" + other.pathText() + "\" and \"" + f.pathText()
                        + "\" would both be the Maildir " + (rel.isEmpty() ? root : root.resolve(rel))
                        + "; leave one out with exclude=[...]");
            }
            out.add(new Mapped(f, rel.isEmpty() ? root : root.resolve(rel)));
        }
        for (Map.Entry<String, AccountFolder> e : byDir.entrySet()) {
            String rel = e.getKey();
            int slash = rel.lastIndexOf('/');
            if (slash > 0 && MAILDIR_PARTS.contains(rel.substring(slash + 1))) {
                AccountFolder parent = byDir.get(rel.substring(0, slash));
                if (parent != null) {
                    throw new MappingException("folder \"" + e.getValue().pathText() + "\" would be the "
                            + rel.substring(slash + 1) + "/ directory of the Maildir of \"" + parent.pathText()
                            + "\"; use layout=\"maildir++\" or leave one out with exclude=[...]");
                }
            }
        }
        return out;
    }
}
