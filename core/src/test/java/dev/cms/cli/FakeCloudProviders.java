package dev.cms.cli;

import dev.cms.config.CloudMailboxSpec;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.Office365AccountSpec;
import dev.cms.config.WholeAccountSpec;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.folders.AccountFolder;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.gmail.GmailLabels;
import dev.cms.provider.gmail.GmailMailbox;
import dev.cms.provider.gmail.GmailOptions;
import dev.cms.provider.graph.GraphFolders;
import dev.cms.provider.graph.GraphMailbox;
import dev.cms.provider.graph.GraphOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The real Gmail and Graph adapters against the embedded fakes over real HTTP, with access
 * tokens the fakes issue directly (no login): what {@link CloudAccess} builds, minus the
 * token store.
 */
final class FakeCloudProviders implements Providers {
    private final @Nullable FakeCloud google;
    private final @Nullable FakeMicrosoft microsoft;
    private final String clientId;

    FakeCloudProviders(@Nullable FakeCloud google, @Nullable FakeMicrosoft microsoft, String clientId) {
        this.google = google;
        this.microsoft = microsoft;
        this.clientId = clientId;
    }

    private AccessTokenSource tokens(dev.cms.config.AccountSpec account) {
        if (account instanceof GmailAccountSpec g) {
            FakeCloud c = java.util.Objects.requireNonNull(google, "no fake Google");
            return force -> c.gmail().issueAccessToken(g.user(), Set.of("https://www.googleapis.com/auth/gmail.modify"));
        }
        FakeMicrosoft m = java.util.Objects.requireNonNull(microsoft, "no fake Microsoft");
        return force -> m.identity().issueAccessToken(account.user(), clientId,
                List.of("https://graph.microsoft.com/Mail.ReadWrite"));
    }

    private static GmailOptions gmailOptions() {
        return new GmailOptions(1_000_000, 4, Duration.ofSeconds(10), Duration.ofSeconds(30),
                GmailOptions.defaults().ticker(), new Random(1));
    }

    private GraphOptions graphOptions() {
        FakeMicrosoft m = java.util.Objects.requireNonNull(microsoft, "no fake Microsoft");
        return GraphOptions.defaults(4).withTls(m.trustedSocketFactory(), m.trustManager());
    }

    /** As in {@link CloudAccess}: the mailboxes of one account share history reads and a polling schedule. */
    private final AccountPolls shared = new AccountPolls();

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
            dev.cms.provider.CloudAccount account = AccountOptions.gmail(g);
            return new GmailMailbox(account, spec.mailbox(), spec.deleteAction(), tokens(g), gmailOptions(),
                    shared.history(account, tokens(g), gmailOptions()));
        }
        Office365AccountSpec o = (Office365AccountSpec) spec.account();
        return new GraphMailbox(AccountOptions.graph(o), spec.mailbox(), spec.deleteAction(), tokens(o),
                graphOptions());
    }

    @Override
    public List<AccountFolder> folders(WholeAccountSpec call) throws IOException, InterruptedException {
        if (call.account() instanceof GmailAccountSpec g) {
            return shared.gmailFolders(AccountOptions.gmail(g), tokens(g), gmailOptions());
        }
        Office365AccountSpec o = (Office365AccountSpec) call.account();
        return WholeAccounts.graphFolders(GraphFolders.list(AccountOptions.graph(o), tokens(o), graphOptions()));
    }

    @Override
    public void createFolder(WholeAccountSpec call, List<String> names, @Nullable String parentId)
            throws IOException, InterruptedException {
        if (call.account() instanceof GmailAccountSpec g) {
            GmailLabels.create(AccountOptions.gmail(g), tokens(g), gmailOptions(), String.join("/", names));
        } else {
            Office365AccountSpec o = (Office365AccountSpec) call.account();
            GraphFolders.create(AccountOptions.graph(o), tokens(o), graphOptions(), parentId, names.get(names.size() - 1));
        }
    }

    @Override
    public CloudMailbox create(WholeAccounts.Folder folder) {
        if (folder.call().account() instanceof Office365AccountSpec o) {
            dev.cms.provider.CloudAccount account = AccountOptions.graph(o);
            return GraphMailbox.ofFolder(account, folder.mailbox().mailbox(), folder.folder().id(),
                    folder.folder().inbox(), folder.call().deleteAction(), tokens(o), graphOptions(),
                    shared.poll(account, tokens(o), graphOptions()));
        }
        return create(folder.mailbox());
    }

    @Override
    public void close() {}
}
