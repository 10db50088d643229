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
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The folders of the whole-account calls while the daemon runs. After each cycle
 * {@link #follow} lists again the folders of an account whose polls saw a folder created,
 * renamed, moved or deleted (an Office365 folder delta; a Gmail history naming a label the last
 * listing did not have), and, for Gmail, whose labels were last listed {@link #GMAIL_RELIST} ago
 * (a label renamed, deleted or created empty leaves no history). The new plan is checked as at
 * start-up and {@link MaildirMoves} makes the Maildirs and {@code state.db} follow it. A Maildir
 * made under a call's root while the daemon runs makes its folder or label in the cloud first.
 */
final class LiveFolders {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LiveFolders.class);
    /**
     * How often a Gmail account's labels are listed when its history names no new label: with
     * the labels' count checks, every 6 hours, so that an unchanged poll of a whole account is
     * its one {@code history.list} (issue 16). A label renamed, or made or deleted with no
     * mail, shows within that time, or at once when the daemon starts.
     */
    static final Duration GMAIL_RELIST = Duration.ofHours(6);

    private final SyncConfig config;
    private final Providers providers;
    private final Ticker ticker;
    private List<WholeAccounts.Folder> folders;
    private final Map<WholeAccountSpec, Long> listedAt = new HashMap<>();
    /** Maildirs under a root that never make a cloud folder: there at the start, tried, or left behind. */
    private final Set<Path> ignored = new HashSet<>();

    LiveFolders(SyncConfig config, Providers providers, Ticker ticker, List<WholeAccounts.Folder> folders) {
        this.config = config;
        this.providers = providers;
        this.ticker = ticker;
        this.folders = List.copyOf(folders);
        for (WholeAccountSpec call : config.wholeAccounts()) {
            listedAt.put(call, ticker.nanoTime());
            ignored.addAll(unknownMaildirs(call)); // there before the start: not made while it ran
        }
    }

    /** The folders synced now, call by call as {@link WholeAccounts#expand} orders them. */
    List<WholeAccounts.Folder> folders() {
        return folders;
    }

    /** Folders listed anew that differ from those synced: what {@link #apply} makes the Maildirs follow. */
    record Pending(List<WholeAccounts.Folder> next, Map<WholeAccountSpec, FolderChanges> changes) {}

    /** {@link #look} then {@link #apply}; true when the folders changed (the engine must be rebuilt). */
    boolean follow(MessageStore store, StateDb db) throws IOException, InterruptedException {
        Pending p = look();
        if (p == null) {
            return false;
        }
        apply(p, store, db);
        return true;
    }

    /**
     * Lists again the accounts whose folders may have changed (and first makes the cloud folders
     * of new local Maildirs); reads the cloud only. Null when no synced folder changed. A listing
     * that fails, or a new plan that cannot be used (two folders on one Maildir), is logged and
     * changes nothing; the account is listed again at its next sign or turn.
     */
    @org.jspecify.annotations.Nullable Pending look() throws InterruptedException {
        Set<WholeAccountSpec> created = createFromLocal();
        Map<String, Boolean> signalled = new HashMap<>(); // one sign per account, for all its calls
        for (WholeAccountSpec call : config.wholeAccounts()) {
            signalled.merge(call.account().key(), providers.foldersChanged(call), Boolean::logicalOr);
        }
        Map<WholeAccountSpec, List<WholeAccounts.Folder>> relisted = new LinkedHashMap<>();
        for (WholeAccountSpec call : config.wholeAccounts()) {
            if (signalled.getOrDefault(call.account().key(), false) || due(call) || created.contains(call)) {
                List<WholeAccounts.Folder> planned = list(call);
                if (planned != null) {
                    relisted.put(call, planned);
                }
            }
        }
        List<WholeAccounts.Folder> next = new ArrayList<>();
        Map<WholeAccountSpec, FolderChanges> changes = new LinkedHashMap<>();
        for (WholeAccountSpec call : config.wholeAccounts()) {
            List<WholeAccounts.Folder> now = relisted.getOrDefault(call, of(folders, call));
            next.addAll(now);
            FolderChanges c = FolderChanges.between(mapped(of(folders, call)), mapped(now));
            if (!c.isEmpty()) {
                changes.put(call, c);
            }
        }
        if (changes.isEmpty()) {
            return null;
        }
        try {
            WholeAccounts.check(config, next);
        } catch (ConfigException e) {
            log.warn("the folders changed in the cloud, but cannot be synced as they are now: {}; the Maildirs"
                    + " stay as they were", e.getMessage());
            return null;
        }
        return new Pending(List.copyOf(next), changes);
    }

    /** Makes the Maildirs and {@code state.db} follow {@code p} (the watcher should be stopped meanwhile). */
    void apply(Pending p, MessageStore store, StateDb db) throws IOException {
        for (Map.Entry<WholeAccountSpec, FolderChanges> e : p.changes().entrySet()) {
            FolderChanges c = e.getValue();
            log.info("{}(...) at {}: {} folder(s) new, {} renamed or moved, {} gone", e.getKey().callName(),
                    e.getKey().pos(), c.added().size(), c.moved().size(), c.removed().size());
            new MaildirMoves(e.getKey(), store, db).apply(c,
                    Map.of(FolderRecords.key(e.getKey()), FolderRecords.encode(e.getKey(), p.next())));
            // What is left of a Maildir that went is never taken for one made by the user.
            c.removed().forEach(m -> ignored.add(m.maildir()));
            c.moved().forEach(m -> ignored.add(m.from().maildir()));
        }
        folders = p.next();
    }

    /**
     * Creates the cloud folder (Office365) or label (Gmail) of each Maildir made under a call's
     * root since the daemon started, once, when its name is one the layout gives and the patterns
     * select; returns the calls that got one. A Maildir that was there at the start, or that a
     * folder left behind, is never one.
     */
    private Set<WholeAccountSpec> createFromLocal() throws InterruptedException {
        Set<WholeAccountSpec> out = new HashSet<>();
        for (WholeAccountSpec call : config.wholeAccounts()) {
            for (Path dir : unknownMaildirs(call)) {
                if (ignored.add(dir) && create(call, dir)) {
                    out.add(call);
                }
            }
        }
        return out;
    }

    private boolean create(WholeAccountSpec call, Path dir) throws InterruptedException {
        List<String> names = call.layout().namesOf(call.root().relativize(dir).toString());
        if (names == null || !call.filter().selects(names)) {
            log.info("{}(...) at {}: {} is not a folder this call syncs (its name or the patterns): left alone",
                    call.callName(), call.pos(), dir);
            return false;
        }
        String parentId = null;
        if (names.size() > 1 && call.service() == dev.cms.config.CloudMailboxSpec.Service.OFFICE365) {
            List<String> above = names.subList(0, names.size() - 1);
            parentId = of(folders, call).stream().filter(f -> f.folder().path().equals(above))
                    .map(f -> f.folder().id()).findFirst().orElse(null);
            if (parentId == null) {
                log.warn("{}: {} is a new Maildir, but its parent folder \"{}\" is not synced: no folder is made"
                        + " for it", call.callName(), dir, String.join("/", above));
                return false;
            }
        }
        try {
            providers.createFolder(call, names, parentId);
            log.info("{}(...) at {}: made the {} \"{}\" of {} for the new Maildir {}", call.callName(), call.pos(),
                    call.service() == dev.cms.config.CloudMailboxSpec.Service.GMAIL ? "label" : "folder",
                    String.join("/", names), call.account().key(), dir);
            return true;
        } catch (IOException | ConfigException e) {
            log.warn("{}(...) at {}: cannot make a folder for the new Maildir {}: {}", call.callName(), call.pos(),
                    dir, e.getMessage());
            return false;
        }
    }

    /** The Maildirs under the call's root that are no folder's and no {@code MailDir(...)}. */
    private Set<Path> unknownMaildirs(WholeAccountSpec call) {
        Set<Path> found;
        try {
            found = LocalMaildirs.under(call);
        } catch (IOException e) {
            log.debug("cannot look for new Maildirs under {}: {}", call.root(), e.getMessage());
            return Set.of();
        }
        for (WholeAccounts.Folder f : folders) {
            found.remove(f.maildir());
        }
        for (dev.cms.config.MaildirSpec m : config.maildirs()) {
            found.remove(m.path());
        }
        return found;
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
