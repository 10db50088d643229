package dev.cms.cli;

import dev.cms.config.WholeAccountSpec;
import dev.cms.folders.AccountFolder;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.CloudAccount;
import dev.cms.provider.gmail.GmailAccountHistory;
import dev.cms.provider.gmail.GmailLabels;
import dev.cms.provider.gmail.GmailOptions;
import dev.cms.provider.graph.GraphAccountPoll;
import dev.cms.provider.graph.GraphOptions;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the mailboxes of one account share to keep polling cheap (a Gmail account's history
 * reads, an Office365 account's polling schedule), by account key; and what those reads tell of
 * the account's folders changing while the daemon runs.
 */
final class AccountPolls {
    private final Map<String, GmailAccountHistory> histories = new ConcurrentHashMap<>();
    private final Map<String, GraphAccountPoll> polls = new ConcurrentHashMap<>();

    /** The history reader the labels of {@code account} share: one history.list a poll. */
    GmailAccountHistory history(CloudAccount account, AccessTokenSource tokens, GmailOptions options) {
        return histories.computeIfAbsent(account.key(), k -> new GmailAccountHistory(account, tokens, options));
    }

    /** The schedule the whole-account folders of {@code account} share: two requests an unchanged poll. */
    GraphAccountPoll poll(CloudAccount account, AccessTokenSource tokens, GraphOptions options) {
        return polls.computeIfAbsent(account.key(), k -> new GraphAccountPoll(account, tokens, options));
    }

    /**
     * The labels of a Gmail account that can be folders ({@code labels.list}); the account's
     * history reader learns every label id, so that a history naming a new one is noticed.
     */
    List<AccountFolder> gmailFolders(CloudAccount account, AccessTokenSource tokens, GmailOptions options)
            throws IOException, InterruptedException {
        List<GmailLabels.Label> labels = GmailLabels.list(account, tokens, options);
        Map<String, String> ids = new HashMap<>();
        for (GmailLabels.Label l : labels) {
            ids.put(l.name(), l.id());
        }
        history(account, tokens, options).knownLabels(ids);
        return WholeAccounts.gmailFolders(labels);
    }

    /** Whether the polls of {@code call}'s account saw its folders or labels change since last asked. */
    boolean foldersChanged(WholeAccountSpec call) {
        String key = call.account().key();
        GmailAccountHistory h = histories.get(key);
        GraphAccountPoll p = polls.get(key);
        return (h != null && h.takeLabelsChanged()) | (p != null && p.takeFoldersChanged());
    }

    /** A folder of a whole account is no longer synced under this mailbox: it leaves the shared polling. */
    void retire(WholeAccounts.Folder folder) {
        String key = folder.call().account().key();
        GmailAccountHistory h = histories.get(key);
        if (h != null) {
            h.leave(folder.mailbox().key());
        }
        GraphAccountPoll p = polls.get(key);
        if (p != null) {
            p.leave(folder.folder().id());
        }
    }
}
