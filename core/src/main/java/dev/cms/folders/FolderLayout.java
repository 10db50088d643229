package dev.cms.folders;

import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Where a folder's Maildir lies under a whole-account call's root, as a path relative to the
 * root with {@code /} between directories.
 *
 * <ul>
 *   <li>{@link #VERBATIM}: the folder's names become nested directories
 *       ({@code Inbox/Lists/kernel}).
 *   <li>{@link #MAILDIR_PLUS_PLUS}: Dovecot's Maildir++: the inbox is the root itself (the empty
 *       path), every other folder, the inbox's subfolders included, is {@code .} followed by
 *       its names joined by {@code .} ({@code .Inbox.Lists.kernel}, {@code .Sent Items}).
 * </ul>
 *
 * <p>Within one name, {@code %} becomes {@code %25} and {@code /} (possible in an Office365
 * folder's name) {@code %2F}; in verbatim a leading {@code .} becomes {@code %2E} (no folder
 * hides, and no name is {@code .} or {@code ..}); in Maildir++ every {@code .} becomes
 * {@code %2E}, since it separates the levels. Control characters (below U+0020, and U+007F)
 * become {@code %XX} in both, so a name never makes an unusable file name.
 */
public enum FolderLayout {
    VERBATIM("verbatim"),
    MAILDIR_PLUS_PLUS("maildir++");

    private final String word;

    FolderLayout(String word) {
        this.word = word;
    }

    /** The name cms.cfg uses: {@code "verbatim"} or {@code "maildir++"}. */
    public String word() {
        return word;
    }

    /** The layout a word of cms.cfg names, or null when it names none. */
    public static @Nullable FolderLayout forWord(String w) {
        for (FolderLayout l : values()) {
            if (l.word.equals(w)) {
                return l;
            }
        }
        return null;
    }

    /**
     * The Maildir of the folder named {@code names} from the top, relative to the root.
     *
     * @param inbox whether the folder is the account's inbox (Maildir++ puts it at the root)
     * @throws IllegalArgumentException when {@code names} is empty or holds an empty name
     */
    public String relativeDir(List<String> names, boolean inbox) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a folder has at least one name");
        }
        for (String n : names) {
            if (n.isEmpty()) {
                throw new IllegalArgumentException("the folder " + String.join("/", names) + " has an empty name");
            }
        }
        if (this == VERBATIM) {
            StringBuilder b = new StringBuilder();
            for (String n : names) {
                if (b.length() > 0) {
                    b.append('/');
                }
                b.append(escape(n, false));
            }
            return b.toString();
        }
        if (inbox) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (String n : names) {
            b.append('.').append(escape(n, true));
        }
        return b.toString();
    }

    /**
     * The names of the folder whose Maildir {@link #relativeDir} puts at {@code rel} (not the
     * Maildir++ inbox, the root itself), or null when no folder's Maildir is named so.
     */
    public @Nullable List<String> namesOf(String rel) {
        if (rel.isEmpty() || (this == MAILDIR_PLUS_PLUS && (!rel.startsWith(".") || rel.contains("/")))) {
            return null;
        }
        String[] parts = this == VERBATIM ? rel.split("/", -1) : rel.substring(1).split("\\.", -1);
        java.util.List<String> names = new java.util.ArrayList<>();
        for (String p : parts) {
            String n = unescape(p);
            if (n == null || n.isEmpty()) {
                return null;
            }
            names.add(n);
        }
        return rel.equals(relativeDir(names, false)) ? List.copyOf(names) : null;
    }

    /** {@code %XX} back to its character; null for a {@code %} not followed by two hex digits. */
    private static @Nullable String unescape(String part) {
        StringBuilder b = new StringBuilder(part.length());
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c != '%') {
                b.append(c);
                continue;
            }
            if (i + 2 >= part.length()) {
                return null;
            }
            int v = hex(part.charAt(i + 1)) * 16 + hex(part.charAt(i + 2));
            if (v < 0) {
                return null;
            }
            b.append((char) v);
            i += 2;
        }
        return b.toString();
    }

    private static int hex(char c) {
        int d = Character.digit(c, 16);
        return d < 0 ? -1000 : d;
    }

    /** One folder name as one directory name's part. */
    static String escape(String name, boolean everyDot) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '%' || c == '/' || c < 0x20 || c == 0x7f || (c == '.' && (everyDot || i == 0))) {
                b.append('%').append(String.format(Locale.ROOT, "%02X", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
