package dev.cms.folders;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One folder (Office365) or label (Gmail) of an account, as discovery found it.
 *
 * @param id the service's id of the folder or label
 * @param mailbox what the folder is called in its mailbox key ({@code <account>:<mailbox>}), the
 *     same as a per-folder {@code Office365(...)}/{@code GMail(...)} call for it would write, so
 *     state kept under one is found under the other
 * @param path the names from the top that the include/exclude patterns are matched against
 * @param dirNames the names the Maildir is named from ({@link FolderLayout#relativeDir})
 * @param inbox whether this is the account's inbox
 */
public record AccountFolder(String id, String mailbox, List<String> path, List<String> dirNames, boolean inbox) {
    /** Gmail system labels that are never folders: they are flags, or mail nobody reads locally. */
    static final Set<String> GMAIL_SYSTEM_FOLDERS = Set.of("INBOX", "SENT", "DRAFT");

    public AccountFolder {
        path = List.copyOf(path);
        dirNames = List.copyOf(dirNames);
        if (path.isEmpty() || dirNames.isEmpty()) {
            throw new IllegalArgumentException("a folder has at least one name: " + id);
        }
    }

    /** The path the patterns see: the names joined by {@code /}. */
    public String pathText() {
        return String.join("/", path);
    }

    /**
     * An Office365 folder named {@code names} from the top of the mailbox. Its mailbox name is
     * the names joined by {@code /}, a {@code /} or {@code %} inside one name written as
     * {@code %2F} or {@code %25}.
     */
    public static AccountFolder graph(String id, List<String> names, boolean inbox) {
        List<String> escaped = new ArrayList<>(names.size());
        for (String n : names) {
            escaped.add(n.replace("%", "%25").replace("/", "%2F"));
        }
        return new AccountFolder(id, String.join("/", escaped), names, names, inbox);
    }

    /**
     * A Gmail label as a folder, or null when it is never one. System labels: {@code INBOX} is
     * the Maildir {@code INBOX}, {@code SENT} is {@code Sent}, {@code DRAFT} is {@code Drafts};
     * the others ({@code SPAM}, {@code TRASH}, {@code UNREAD}, {@code STARRED}, {@code IMPORTANT},
     * {@code CHAT}, {@code CATEGORY_*}, ...) are not folders. A user label's name is its path,
     * {@code /} separating the levels as in Gmail's own nesting.
     *
     * @param system whether {@code labels.list} says {@code "type": "system"}
     */
    public static @Nullable AccountFolder gmail(String id, String name, boolean system) {
        if (system) {
            String dir = switch (id) {
                case "INBOX" -> "INBOX";
                case "SENT" -> "Sent";
                case "DRAFT" -> "Drafts";
                default -> null;
            };
            return dir == null ? null : new AccountFolder(id, id, List.of(name), List.of(dir), id.equals("INBOX"));
        }
        List<String> names = List.of(name.split("/", -1));
        return new AccountFolder(id, name, names, names, false);
    }
}
