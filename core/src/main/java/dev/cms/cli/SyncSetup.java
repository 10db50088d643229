package dev.cms.cli;

import dev.cms.config.CloudMailboxSpec;
import dev.cms.config.ConfigException;
import dev.cms.config.MaildirSpec;
import dev.cms.config.RouteSpec;
import dev.cms.config.SyncConfig;
import dev.cms.fs.FileOps;
import dev.cms.maildir.MaildirFolder;
import dev.cms.provider.CloudMailbox;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.store.StateLock;
import dev.cms.sync.Daemon;
import dev.cms.sync.Progress;
import dev.cms.sync.Router;
import dev.cms.sync.SyncEngine;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Everything a running daemon holds, opened in a safe order: the state directory's lock
 * first (so a second daemon stops before touching anything), then the store, the Maildirs
 * (checked to be on the store's filesystem), the database, the providers and the engine.
 */
final class SyncSetup implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SyncSetup.class);

    final SyncConfig config;
    final StateLock lock;
    final MessageStore store;
    final StateDb db;
    /** The Maildirs, mailboxes and engine: replaced together when a whole account's folders change. */
    volatile List<MaildirFolder> maildirs;
    volatile List<CloudMailbox> mailboxes;
    volatile SyncEngine engine;
    final Providers providers;
    /** The whole accounts' folders while the daemon runs; null without whole-account calls. */
    private @Nullable LiveFolders live;
    private @Nullable Rebuild rebuild;
    /** The whole-account folders the engine runs with, in the order of its Maildirs and mailboxes. */
    private List<WholeAccounts.Folder> previous = List.of();

    /** What a new engine is made with. */
    private record Rebuild(boolean offline, Ticker ticker, Progress progress) {}
    final List<dev.cms.broker.CredentialServer> brokers = new ArrayList<>();
    /** With an {@code Outbox(...)}: its sender and its socket; null without. */
    @Nullable OutboxParts outbox;

    private SyncSetup(SyncConfig config, StateLock lock, MessageStore store, StateDb db, List<MaildirFolder> maildirs,
            List<CloudMailbox> mailboxes, SyncEngine engine, Providers providers) {
        this.config = config;
        this.lock = lock;
        this.store = store;
        this.db = db;
        this.maildirs = maildirs;
        this.mailboxes = mailboxes;
        this.engine = engine;
        this.providers = providers;
    }

    static SyncSetup open(SyncConfig config, Providers.Factory factory, boolean offline, Progress progress,
            Ticker ticker)
            throws IOException, ConfigException {
        // Nothing is created (not even the state directory) for a configuration that fails.
        Preflight.check(config);
        Path stateDir = config.settings().messageDbDir();
        createPrivateDirectory(stateDir);
        StateLock lock = StateLock.acquire(stateDir);
        StateDb db = null;
        Providers providers = null;
        SyncEngine engine = null;
        try {
            MessageStore store = MessageStore.open(stateDir, FileOps.SYSTEM);
            List<MaildirFolder> maildirs = new ArrayList<>();
            for (MaildirSpec m : config.maildirs()) {
                MaildirFolder folder = MaildirFolder.open(m.path(), ticker, FileOps.SYSTEM);
                store.checkSameFilesystem(folder.root().resolve("tmp"));
                maildirs.add(folder);
            }
            db = StateDb.open(stateDir.resolve("state.db"), ticker);
            providers = factory.open(config, db);
            List<CloudMailbox> mailboxes = new ArrayList<>();
            List<WholeAccounts.Folder> folders = List.of();
            if (!config.authenticationOnly()) {
                for (CloudMailboxSpec spec : config.cloudMailboxes()) {
                    mailboxes.add(providers.create(spec));
                }
            }
            providers.checkLoginsPossible();
            if (!config.authenticationOnly()) {
                folders = expand(config, providers);
                // What changed while the daemon was stopped: renamed folders' Maildirs follow, deleted ones go.
                FolderRecords.followAtStart(config.wholeAccounts(), folders, store, db);
                for (WholeAccounts.Folder f : folders) {
                    MaildirFolder folder = MaildirFolder.open(f.maildir(), ticker, FileOps.SYSTEM);
                    store.checkSameFilesystem(folder.root().resolve("tmp"));
                    maildirs.add(folder);
                    mailboxes.add(providers.create(f));
                }
            }
            engine = new SyncEngine(maildirs, mailboxes, router(config, folders), store, db, offline,
                    ticker, progress);
            SyncSetup setup = new SyncSetup(config, lock, store, db, maildirs, mailboxes, engine, providers);
            if (!config.wholeAccounts().isEmpty() && !config.authenticationOnly()) {
                setup.live = new LiveFolders(config, providers, ticker, folders);
                setup.rebuild = new Rebuild(offline, ticker, progress);
                setup.previous = List.copyOf(folders);
            }
            setup.startServices(ticker);
            return setup;
        } catch (IOException | ConfigException | RuntimeException e) {
            if (engine != null) {
                engine.close();
            }
            if (providers != null) {
                providers.close();
            }
            if (db != null) {
                db.close();
            }
            lock.close();
            throw e;
        }
    }

    /** Starts the credential servers and the outbox the configuration declares; closes everything on failure. */
    private void startServices(Ticker ticker) throws IOException, ConfigException {
        try {
            for (dev.cms.config.CredentialServerSpec cs : config.credentialServers()) {
                dev.cms.broker.TokenProvider tokens = providers.brokerTokens(cs);
                if (tokens != null) {
                    brokers.add(dev.cms.broker.CredentialServer.start(cs, tokens, ticker));
                }
            }
            dev.cms.config.OutboxSpec spec = config.outbox();
            if (spec != null) {
                outbox = OutboxParts.start(config, spec, providers, ticker);
            }
        } catch (IOException | ConfigException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Lists the accounts of the whole-account calls and expands them; the account's folders
     * are needed before the first cycle, so a failure to list them stops the start.
     */
    private static List<WholeAccounts.Folder> expand(SyncConfig config, Providers providers)
            throws ConfigException, IOException {
        if (config.wholeAccounts().isEmpty()) {
            return List.of();
        }
        List<WholeAccounts.Folder> folders;
        try {
            folders = WholeAccounts.expand(config, call -> {
                try {
                    return providers.folders(call);
                } catch (dev.cms.provider.AuthenticationRequiredException e) {
                    throw e;
                } catch (IOException e) {
                    throw new IOException("cannot list the folders of " + call.account().key() + " for "
                            + call.callName() + "(...) at " + call.pos() + ": " + e.getMessage(), e);
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while listing the accounts' folders");
        }
        for (dev.cms.config.WholeAccountSpec call : config.wholeAccounts()) {
            long n = folders.stream().filter(f -> f.call() == call).count();
            if (n == 0) {
                log.warn("{}(...) at {}: no folder of {} matches its patterns", call.callName(), call.pos(),
                        call.account().key());
            } else {
                log.info("{}(...) at {}: syncing {} folder(s) of {} under {}", call.callName(), call.pos(), n,
                        call.account().key(), call.root());
            }
        }
        return folders;
    }

    /**
     * Between cycles ({@link Daemon#reconfigureWith}): follows the whole accounts' folders that
     * changed in the cloud and, when they did, gives a new engine over the new Maildirs; null when
     * nothing changed. A failure is logged and leaves the running engine as it is.
     */
    Daemon.@Nullable Reconfigured followFolders() throws InterruptedException {
        Daemon.Reconfigure r = folderFollower();
        return r.due() ? r.build() : null;
    }

    /** {@link #followFolders} in the daemon's two steps: look at the cloud, then (watcher stopped) move and rebuild. */
    Daemon.Reconfigure folderFollower() {
        return new Daemon.Reconfigure() {
            private LiveFolders.@Nullable Pending pending;

            @Override
            public boolean due() throws InterruptedException {
                LiveFolders l = live;
                pending = l == null ? null : l.look();
                return pending != null;
            }

            @Override
            public Daemon.@Nullable Reconfigured build() {
                LiveFolders l = live;
                Rebuild r = rebuild;
                LiveFolders.Pending p = pending;
                pending = null;
                if (l == null || r == null || p == null) {
                    return null;
                }
                try {
                    l.apply(p, store, db);
                    rebuildEngine(l.folders(), r);
                    return new Daemon.Reconfigured(engine, maildirRoots());
                } catch (IOException | ConfigException | RuntimeException e) {
                    log.error("cannot follow the folders changed in the cloud: {}; the Maildirs stay as they are"
                            + " until the next start", e.getMessage(), e);
                    live = null;
                    return null;
                }
            }
        };
    }

    /**
     * The Maildirs and mailboxes of the configuration's own calls, then those of {@code folders}
     * (a folder's mailbox kept when its key and folder are the same as before), and an engine
     * over them, which loads what {@code state.db} holds.
     */
    private void rebuildEngine(List<WholeAccounts.Folder> folders, Rebuild r) throws IOException, ConfigException {
        int ownMaildirs = config.maildirs().size();
        int ownMailboxes = config.cloudMailboxes().size();
        List<WholeAccounts.Folder> before = previous;
        Map<String, Integer> was = new HashMap<>();
        for (int i = 0; i < before.size(); i++) {
            was.put(before.get(i).mailbox().key() + "\n" + before.get(i).folder().id(), i);
        }
        List<MaildirFolder> newMaildirs = new ArrayList<>(maildirs.subList(0, ownMaildirs));
        int[] kept = new int[folders.size()];
        for (int n = 0; n < folders.size(); n++) {
            WholeAccounts.Folder f = folders.get(n);
            MaildirFolder folder = MaildirFolder.open(f.maildir(), r.ticker(), FileOps.SYSTEM);
            store.checkSameFilesystem(folder.root().resolve("tmp"));
            newMaildirs.add(folder);
            Integer i = was.remove(f.mailbox().key() + "\n" + f.folder().id());
            kept[n] = i == null ? -1 : i;
        }
        for (int i : was.values()) {
            providers.retire(before.get(i)); // before a renamed folder joins its account's polling again
        }
        List<CloudMailbox> newMailboxes = new ArrayList<>(mailboxes.subList(0, ownMailboxes));
        for (int n = 0; n < folders.size(); n++) {
            newMailboxes.add(kept[n] >= 0 ? mailboxes.get(ownMailboxes + kept[n]) : providers.create(folders.get(n)));
        }
        SyncEngine next = new SyncEngine(newMaildirs, newMailboxes, router(config, folders), store, db, r.offline(),
                r.ticker(), r.progress());
        maildirs = newMaildirs;
        mailboxes = newMailboxes;
        engine.close();
        engine = next;
        previous = List.copyOf(folders);
    }

    static Router router(SyncConfig config) {
        return router(config, List.of());
    }

    /**
     * The {@code Route} rules, then one rule per whole-account folder sending its mail to its
     * own Maildir (so a {@code Route} applies to whole-account folders too). The folders'
     * Maildirs and mailboxes follow the configuration's own in the engine's lists.
     */
    static Router router(SyncConfig config, List<WholeAccounts.Folder> folders) {
        List<Router.Rule> rules = new ArrayList<>();
        for (RouteSpec r : config.routes()) {
            int target = config.maildirs().indexOf(r.to());
            int mailbox = r.mailbox() == null ? -1 : config.cloudMailboxes().indexOf(r.mailbox());
            rules.add(new Router.Rule(target, mailbox, r.header(), r.equals(), r.matches()));
        }
        int maildirs = config.maildirs().size();
        int mailboxes = config.authenticationOnly() ? 0 : config.cloudMailboxes().size();
        for (int i = 0; i < folders.size(); i++) {
            rules.add(new Router.Rule(maildirs + i, mailboxes + i, null, null, null));
        }
        return new Router(rules);
    }

    static void createPrivateDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    List<Path> maildirRoots() {
        List<Path> out = new ArrayList<>();
        for (MaildirFolder m : maildirs) {
            out.add(m.root());
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        try {
            engine.close();
            if (outbox != null) {
                outbox.close();
            }
            for (dev.cms.broker.CredentialServer b : brokers) {
                b.close();
            }
            providers.close();
            db.close();
        } finally {
            lock.close();
        }
    }
}
