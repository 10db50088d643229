package dev.cms.folders;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * @param aliases every mailbox name, in lower case, by which a per-folder call names this folder
 *     (Office365 matches names ignoring case, and a path may start with a well-known name such
 *     as {@code inbox}; Gmail matches label names ignoring case when no label has the exact one)
 */
public record AccountFolder(String id, String mailbox, List<String> path, List<String> dirNames, boolean inbox,
        List<String> aliases) {
    public AccountFolder {
        path = List.copyOf(path);
        dirNames = List.copyOf(dirNames);
        aliases = List.copyOf(aliases);
        if (path.isEmpty() || dirNames.isEmpty()) {
            throw new IllegalArgumentException("a folder has at least one name: " + id);
        }
    }

    /** The path the patterns see: the names joined by {@code /}. */
    public String pathText() {
        return String.join("/", path);
    }

    /** An Office365 folder without a well-known name above it; see {@link #graph(String, List, String)}. */
    public static AccountFolder graph(String id, List<String> names, boolean inbox) {
        return graph(id, names, inbox ? "inbox" : null);
    }

    /**
     * An Office365 folder named {@code names} from the top of the mailbox. Its mailbox name is
     * the names joined by {@code /}, a {@code /} or {@code %} inside one name written as
     * {@code %2F} or {@code %25}.
     *
     * @param topWellKnown the well-known name ({@code inbox}, {@code sentitems}, ...) of the
     *     top-level folder it is in or is, or null; {@code "inbox"} for the inbox itself and
     *     its subfolders (only the inbox itself is {@link #inbox()})
     */
    public static AccountFolder graph(String id, List<String> names, @Nullable String topWellKnown) {
        List<String> escaped = new ArrayList<>(names.size());
        for (String n : names) {
            escaped.add(n.replace("%", "%25").replace("/", "%2F"));
        }
        String mailbox = String.join("/", escaped);
        List<String> aliases = new ArrayList<>();
        aliases.add(mailbox.toLowerCase(Locale.ROOT));
        if (topWellKnown != null) {
            List<String> rest = escaped.subList(1, escaped.size());
            aliases.add((topWellKnown + (rest.isEmpty() ? "" : "/" + String.join("/", rest))).toLowerCase(Locale.ROOT));
        }
        return new AccountFolder(id, mailbox, names, names, names.size() == 1 && "inbox".equals(topWellKnown),
                aliases);
    }

    /**
     * Gmail's All Mail as a folder ({@code GMail_Labels(..., all_mail=dirName)}): no label, so
     * {@code mailbox} is both its id and its mailbox name; {@code dirName} is its Maildir's
     * name under the root, and the name patterns would see (they are not applied to it).
     */
    public static AccountFolder gmailAllMail(String mailbox, String dirName) {
        return new AccountFolder(mailbox, mailbox, List.of(dirName), List.of(dirName), false,
                List.of(mailbox.toLowerCase(Locale.ROOT)));
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
            return dir == null ? null : new AccountFolder(id, id, List.of(name), List.of(dir), id.equals("INBOX"),
                    List.of(id.toLowerCase(Locale.ROOT)));
        }
        List<String> names = List.of(name.split("/", -1));
        return new AccountFolder(id, name, names, names, false, List.of(name.toLowerCase(Locale.ROOT)));
    }
}
