package dev.cms.cli;

import dev.cms.config.CloudMailboxSpec;
import dev.cms.config.ConfigLoader;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.Office365AccountSpec;
import dev.cms.config.SyncConfig;
import dev.cms.config.WholeAccountSpec;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.folders.AccountFolder;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.CloudAccount;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.gmail.GmailMailbox;
import dev.cms.provider.gmail.GmailOptions;
import dev.cms.provider.graph.GraphFolders;
import dev.cms.provider.graph.GraphMailbox;
import dev.cms.provider.graph.GraphOptions;
import dev.cms.sync.CycleReport;
import dev.cms.sync.Daemon;
import dev.cms.sync.Progress;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The daemon's own set-up ({@link SyncSetup}: state lock, store, Maildirs, {@code state.db}, the
 * whole accounts expanded, the engine) for a {@code cms.cfg}, with providers made as
 * {@link CloudAccess} makes them (the same adapters, options and shared account polling) except
 * that the access tokens come straight from the embedded fakes instead of a login. For the
 * benchmarks, which live outside this package; nothing of the product uses it.
 */
public final class BenchDaemon implements AutoCloseable {
    private final SyncSetup setup;
    private final Daemon.Reconfigure follower;
    private final Duration safetyScan;
    private int rebuilds;

    private BenchDaemon(SyncSetup setup, Duration safetyScan) {
        this.setup = setup;
        this.follower = setup.folderFollower();
        this.safetyScan = safetyScan;
        setup.engine.useFileEvents(safetyScan);
    }

    /**
     * Opens the daemon of {@code cfg} against {@code google} and/or {@code microsoft}
     * ({@code graphClient}: the client id the fake Microsoft identity issues tokens for).
     * {@code google} or {@code microsoft} may be null when the configuration has no account there.
     * {@code safetyScan}: as when the daemon's Maildir watcher runs, a poll looks only at the files
     * the watcher named, with a names-only scan this often; null: every poll scans every Maildir.
     */
    public static BenchDaemon open(Path cfg, FakeCloud google, FakeMicrosoft microsoft,
            String graphClient, Ticker ticker, Duration safetyScan) throws Exception {
        SyncConfig config = ConfigLoader.load(cfg);
        SyncSetup s = SyncSetup.open(config, (c, db) -> new EmbeddedFakes(google, microsoft, graphClient, ticker),
                false, Progress.NONE, ticker);
        return new BenchDaemon(s, safetyScan);
    }

    /** The cloud mailboxes (folders, labels) the daemon syncs now. */
    public int mailboxes() {
        return setup.mailboxes.size();
    }

    /** How many times the folders changed in the cloud and the engine was rebuilt. */
    public int rebuilds() {
        return rebuilds;
    }

    /**
     * One turn of the daemon's loop: the engine's cycle, then (as {@link Daemon} does between
     * cycles) the whole accounts' folders looked at and, when they changed, followed.
     */
    public CycleReport cycle() throws InterruptedException {
        CycleReport r = setup.engine.runCycle();
        if (follower.due() && follower.build() != null) {
            rebuilds++;
            setup.engine.useFileEvents(safetyScan);
        }
        return r;
    }

    @Override
    public void close() throws IOException {
        setup.close();
    }

    /** A token the fake issued, kept until the fake rejects it (as the token cache keeps one). */
    private static final class Tokens implements AccessTokenSource {
        private final java.util.function.Supplier<String> issue;
        private String current;

        Tokens(java.util.function.Supplier<String> issue) {
            this.issue = issue;
        }

        @Override
        public synchronized String accessToken(boolean forceRefresh) {
            if (current == null || forceRefresh) {
                current = issue.get();
            }
            return current;
        }
    }

    /** {@link CloudAccess}'s providers, with tokens from the embedded fakes. */
    private static final class EmbeddedFakes implements Providers {
        private final FakeCloud google;
        private final FakeMicrosoft microsoft;
        private final String graphClient;
        /** The engine's ticker: the adapters' rounds and quotas see the time the polls stand for. */
        private final Ticker ticker;
        private final AccountPolls shared = new AccountPolls();
        private final java.util.Map<String, Tokens> tokens = new java.util.HashMap<>();

        EmbeddedFakes(FakeCloud google, FakeMicrosoft microsoft, String graphClient, Ticker ticker) {
            this.ticker = ticker;
            this.google = google;
            this.microsoft = microsoft;
            this.graphClient = graphClient;
        }

        private synchronized AccessTokenSource tokens(dev.cms.config.AccountSpec account) {
            return tokens.computeIfAbsent(account.key(), k -> {
                if (account instanceof GmailAccountSpec g) {
                    FakeCloud c = Objects.requireNonNull(google, "no fake Google");
                    return new Tokens(() -> c.gmail().issueAccessToken(g.user(), Set.of(FakeGmail.FULL_SCOPE)));
                }
                FakeMicrosoft m = Objects.requireNonNull(microsoft, "no fake Microsoft");
                return new Tokens(() -> m.identity().issueAccessToken(account.user(), graphClient,
                        List.of("https://graph.microsoft.com/Mail.ReadWrite")));
            });
        }

        private GmailOptions gmailOptions(GmailAccountSpec g) {
            GmailOptions d = GmailOptions.defaults();
            return new GmailOptions(g.quotaUnitsPerSecond(), d.maxParallelFetches(), d.connectTimeout(),
                    d.readTimeout(), ticker, d.jitter());
        }

        private GraphOptions graphOptions(Office365AccountSpec o) {
            FakeMicrosoft m = Objects.requireNonNull(microsoft, "no fake Microsoft");
            return GraphOptions.defaults(o.maxConcurrency() > 0 ? o.maxConcurrency() : 4)
                    .withTls(m.trustedSocketFactory(), m.trustManager()).withTicker(ticker);
        }

        @Override
        public boolean foldersChanged(WholeAccountSpec call) {
            return shared.foldersChanged(call);
        }

        @Override
        public void retire(WholeAccounts.Folder folder) {
            shared.retire(folder);
        }

        @Override
        public CloudMailbox create(CloudMailboxSpec spec) {
            if (spec.account() instanceof GmailAccountSpec g) {
                CloudAccount account = AccountOptions.gmail(g);
                GmailOptions options = gmailOptions(g);
                return new GmailMailbox(account, spec.mailbox(), spec.deleteAction(), tokens(g), options,
                        shared.history(account, tokens(g), options));
            }
            Office365AccountSpec o = (Office365AccountSpec) spec.account();
            return new GraphMailbox(AccountOptions.graph(o), spec.mailbox(), spec.deleteAction(), tokens(o),
                    graphOptions(o));
        }

        @Override
        public List<AccountFolder> folders(WholeAccountSpec call) throws IOException, InterruptedException {
            if (call.account() instanceof GmailAccountSpec g) {
                return shared.gmailFolders(AccountOptions.gmail(g), tokens(g), gmailOptions(g));
            }
            Office365AccountSpec o = (Office365AccountSpec) call.account();
            return WholeAccounts.graphFolders(GraphFolders.list(AccountOptions.graph(o), tokens(o), graphOptions(o)));
        }

        @Override
        public CloudMailbox create(WholeAccounts.Folder folder) {
            if (folder.call().account() instanceof Office365AccountSpec o) {
                CloudAccount account = AccountOptions.graph(o);
                GraphOptions options = graphOptions(o);
                return GraphMailbox.ofFolder(account, folder.mailbox().mailbox(), folder.folder().id(),
                        folder.folder().inbox(), folder.call().deleteAction(), tokens(o), options,
                        shared.poll(account, tokens(o), options));
            }
            return create(folder.mailbox());
        }

        @Override
        public void close() {}
    }
}
