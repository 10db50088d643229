package dev.cms.folders;

import java.util.List;

/**
 * The {@code include} and {@code exclude} patterns of a whole-account call: a folder is
 * selected when its path matches an include pattern and neither it nor any folder above it
 * matches an exclude pattern (exclude wins, and excluding a folder excludes its subfolders).
 * A folder's path is its names from the top joined by {@code /}.
 */
public record FolderFilter(List<FolderPattern> include, List<FolderPattern> exclude) {
    public FolderFilter {
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
    }

    /** Compiles the patterns as written; see {@link FolderPattern#compile}. */
    public static FolderFilter of(List<String> include, List<String> exclude) {
        return new FolderFilter(include.stream().map(FolderPattern::compile).toList(),
                exclude.stream().map(FolderPattern::compile).toList());
    }

    /** Whether the folder whose names from the top are {@code names} is synced. */
    public boolean selects(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a folder has at least one name");
        }
        StringBuilder path = new StringBuilder();
        for (String name : names) {
            if (path.length() > 0) {
                path.append('/');
            }
            path.append(name);
            if (anyMatches(exclude, path.toString())) {
                return false;
            }
        }
        return anyMatches(include, path.toString());
    }

    private static boolean anyMatches(List<FolderPattern> patterns, String path) {
        for (FolderPattern p : patterns) {
            if (p.matches(path)) {
                return true;
            }
        }
        return false;
    }
}
