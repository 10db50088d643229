package dev.cms.cli;

import dev.cms.config.ConfigException;
import dev.cms.config.SyncConfig;
import dev.cms.config.WholeAccountSpec;
import dev.cms.folders.FolderChanges;
import dev.cms.folders.FolderPlan;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The folders of the whole-account calls while the daemon runs. After each cycle
 * {@link #follow} lists again the folders of an account whose polls saw a folder created,
 * renamed, moved or deleted (an Office365 folder delta; a Gmail history naming a label the last
 * listing did not have), and, for Gmail, whose labels were last listed {@link #GMAIL_RELIST} ago
 * (a label renamed, deleted or created empty leaves no history). The new plan is checked as at
 * start-up and {@link MaildirMoves} makes the Maildirs and {@code state.db} follow it.
 */
final class LiveFolders {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LiveFolders.class);
    /** How often a Gmail account's labels are listed when its history names no new label. */
    static final Duration GMAIL_RELIST = Duration.ofMinutes(10);

    private final SyncConfig config;
    private final Providers providers;
    private final Ticker ticker;
    private List<WholeAccounts.Folder> folders;
    private final Map<WholeAccountSpec, Long> listedAt = new HashMap<>();

    LiveFolders(SyncConfig config, Providers providers, Ticker ticker, List<WholeAccounts.Folder> folders) {
        this.config = config;
        this.providers = providers;
        this.ticker = ticker;
        this.folders = List.copyOf(folders);
        for (WholeAccountSpec call : config.wholeAccounts()) {
            listedAt.put(call, ticker.nanoTime());
        }
    }

    /** The folders synced now, call by call as {@link WholeAccounts#expand} orders them. */
    List<WholeAccounts.Folder> folders() {
        return folders;
    }

    /**
     * Lists again the accounts whose folders may have changed and makes the Maildirs and
     * {@code state.db} follow; true when the folders changed (the engine must be rebuilt). A
     * listing that fails, or a new plan that cannot be used (two folders on one Maildir), changes
     * nothing and is logged; the account is listed again at its next sign or turn.
     */
    boolean follow(MessageStore store, StateDb db) throws IOException, InterruptedException {
        Map<String, Boolean> signalled = new HashMap<>(); // one sign per account, for all its calls
        for (WholeAccountSpec call : config.wholeAccounts()) {
            signalled.merge(call.account().key(), providers.foldersChanged(call), Boolean::logicalOr);
        }
        Map<WholeAccountSpec, List<WholeAccounts.Folder>> relisted = new LinkedHashMap<>();
        for (WholeAccountSpec call : config.wholeAccounts()) {
            if (signalled.getOrDefault(call.account().key(), false) || due(call)) {
                List<WholeAccounts.Folder> planned = list(call);
                if (planned != null) {
                    relisted.put(call, planned);
                }
            }
        }
        if (relisted.isEmpty()) {
            return false;
        }
        List<WholeAccounts.Folder> next = new ArrayList<>();
        for (WholeAccountSpec call : config.wholeAccounts()) {
            next.addAll(relisted.getOrDefault(call, of(folders, call)));
        }
        try {
            WholeAccounts.check(config, next);
        } catch (ConfigException e) {
            log.warn("the folders changed in the cloud, but cannot be synced as they are now: {}; the Maildirs"
                    + " stay as they were", e.getMessage());
            return false;
        }
        boolean changed = false;
        for (Map.Entry<WholeAccountSpec, List<WholeAccounts.Folder>> e : relisted.entrySet()) {
            FolderChanges c = FolderChanges.between(mapped(of(folders, e.getKey())), mapped(e.getValue()));
            if (!c.isEmpty()) {
                log.info("{}(...) at {}: {} folder(s) new, {} renamed or moved, {} gone", e.getKey().callName(),
                        e.getKey().pos(), c.added().size(), c.moved().size(), c.removed().size());
                new MaildirMoves(e.getKey(), store, db).apply(c,
                        Map.of(FolderRecords.key(e.getKey()), FolderRecords.encode(e.getKey(), e.getValue())));
                changed = true;
            }
        }
        folders = List.copyOf(next);
        return changed;
    }

    private boolean due(WholeAccountSpec call) {
        Long at = listedAt.get(call);
        return call.service() == dev.cms.config.CloudMailboxSpec.Service.GMAIL
                && (at == null || ticker.nanoTime() - at >= GMAIL_RELIST.toNanos());
    }

    /** The call's folders as listed now, or null when they cannot be listed (logged). */
    private @org.jspecify.annotations.Nullable List<WholeAccounts.Folder> list(WholeAccountSpec call)
            throws InterruptedException {
        try {
            List<WholeAccounts.Folder> planned = WholeAccounts.plan(call, providers.folders(call));
            listedAt.put(call, ticker.nanoTime());
            return planned;
        } catch (AuthenticationRequiredException e) {
            log.debug("{}: cannot list the folders now: {}", call.account().key(), e.getMessage());
        } catch (IOException | ConfigException e) {
            log.warn("{}(...) at {}: cannot list the folders of {} now: {}", call.callName(), call.pos(),
                    call.account().key(), e.getMessage());
        }
        return null;
    }

    private static List<WholeAccounts.Folder> of(List<WholeAccounts.Folder> all, WholeAccountSpec call) {
        return all.stream().filter(f -> f.call() == call).toList();
    }

    private static List<FolderPlan.Mapped> mapped(List<WholeAccounts.Folder> fs) {
        return fs.stream().map(f -> new FolderPlan.Mapped(f.folder(), f.maildir())).toList();
    }
}
