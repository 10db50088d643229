package dev.cms.cli;

import dev.cms.config.CloudMailboxSpec;
import dev.cms.config.ConfigException;
import dev.cms.config.SyncConfig;
import dev.cms.provider.CloudMailbox;
import dev.cms.store.StateDb;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** Makes the providers of the configured cloud mailboxes; closed with the daemon. */
interface Providers extends AutoCloseable {
    CloudMailbox create(CloudMailboxSpec spec) throws ConfigException, IOException;

    /**
     * The folders (Office365) or labels (Gmail) of a whole-account call's account, listed in the
     * cloud. The default cannot list any.
     */
    default java.util.List<dev.cms.folders.AccountFolder> folders(dev.cms.config.WholeAccountSpec call)
            throws ConfigException, IOException, InterruptedException {
        throw new IOException("cannot list the folders of " + call.account().key() + " here");
    }

    /** The mailbox of one folder of a whole-account call; the default treats it as a per-folder call. */
    default CloudMailbox create(WholeAccounts.Folder folder) throws ConfigException, IOException {
        return create(folder.mailbox());
    }

    /**
     * Whether the polls of {@code call}'s account saw a folder or label created, renamed, moved or
     * deleted since the last call (the folders should be listed again). The default sees none.
     */
    default boolean foldersChanged(dev.cms.config.WholeAccountSpec call) {
        return false;
    }

    /**
     * Creates in the cloud the folder of a Maildir made locally under a whole account's root:
     * Office365: named the last of {@code names}, under folder {@code parentId} (null: the top of
     * the mailbox); Gmail: the label named {@code names} joined by {@code /}. The default cannot.
     */
    default void createFolder(dev.cms.config.WholeAccountSpec call, java.util.List<String> names,
            @Nullable String parentId) throws ConfigException, IOException, InterruptedException {
        throw new IOException("cannot create the folders of " + call.account().key() + " here");
    }

    /** The mailbox of {@code folder} is no longer used (its folder changed or went): it stops polling. */
    default void retire(WholeAccounts.Folder folder) {}

    /** What the token broker of {@code server} hands out; null when these providers cannot serve it. */
    default dev.cms.broker.@Nullable TokenProvider brokerTokens(dev.cms.config.CredentialServerSpec server) {
        return null;
    }

    /** What sends the Outbox's mail for {@code account}; null when these providers cannot send. */
    default dev.cms.send.@Nullable MailSender sender(dev.cms.config.AccountSpec account) throws ConfigException, IOException {
        return null;
    }

    /**
     * Fails before the first cycle when a login will be needed and cannot happen (nobody
     * to log in, the login page's port taken); the default has nothing to check.
     */
    default void checkLoginsPossible() throws IOException {}

    /**
     * The daemon is stopping: a login being waited for ends at once and none starts any more.
     * The default has no logins.
     */
    default void stopLogins() {}

    /**
     * The daemon's mode: from now on a cycle's token request that needs a login does not wait for
     * it. The login starts in the background (login page, device code, {@code cfg.auth_notify_cmd})
     * and the request fails at once, so only that account's mailboxes fail meanwhile;
     * {@code loggedIn} is told the account key of each login that succeeded. The default has no
     * logins.
     */
    default void logInInBackground(java.util.function.Consumer<String> loggedIn) {}

    @Override
    void close();

    /** Opens the providers for a configuration once the state database is open. */
    @FunctionalInterface
    interface Factory {
        Providers open(SyncConfig config, StateDb db) throws ConfigException, IOException;
    }

    /** The real services, with interactive logins when {@code interactive}. */
    static Factory real(boolean interactive, boolean deviceCode) {
        return (config, db) -> CloudAccess.open(config, db, CloudAccess.logins(config, interactive))
                .forceDeviceCode(deviceCode);
    }
}
