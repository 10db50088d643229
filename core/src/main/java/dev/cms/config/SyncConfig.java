package dev.cms.config;

import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A parsed, validated configuration: everything a {@code cms.cfg} declares, in the order it
 * declares it. Immutable. {@code wholeAccounts} are the {@code Office365_Folders(...)} and
 * {@code GMail_Labels(...)} calls, expanded into mailboxes at start-up. {@code outbox} is null when the file declares no {@code Outbox(...)},
 * {@code smtpSubmission} when it declares no {@code SmtpSubmission(...)}.
 */
public record SyncConfig(
        Path file,
        List<MaildirSpec> maildirs,
        List<AccountSpec> accounts,
        List<CloudMailboxSpec> cloudMailboxes,
        List<RouteSpec> routes,
        List<CredentialServerSpec> credentialServers,
        Settings settings,
        @Nullable OutboxSpec outbox,
        @Nullable SmtpSubmissionSpec smtpSubmission,
        List<WholeAccountSpec> wholeAccounts) {
    public SyncConfig {
        wholeAccounts = List.copyOf(wholeAccounts);
        maildirs = List.copyOf(maildirs);
        accounts = List.copyOf(accounts);
        cloudMailboxes = List.copyOf(cloudMailboxes);
        routes = List.copyOf(routes);
        credentialServers = List.copyOf(credentialServers);
    }

    /** A configuration that sends no mail (no {@code Outbox(...)}). */
    public SyncConfig(Path file, List<MaildirSpec> maildirs, List<AccountSpec> accounts,
            List<CloudMailboxSpec> cloudMailboxes, List<RouteSpec> routes,
            List<CredentialServerSpec> credentialServers, Settings settings) {
        this(file, maildirs, accounts, cloudMailboxes, routes, credentialServers, settings, null, null, List.of());
    }

    /** A configuration without whole-account calls. */
    public SyncConfig(Path file, List<MaildirSpec> maildirs, List<AccountSpec> accounts,
            List<CloudMailboxSpec> cloudMailboxes, List<RouteSpec> routes,
            List<CredentialServerSpec> credentialServers, Settings settings, @Nullable OutboxSpec outbox,
            @Nullable SmtpSubmissionSpec smtpSubmission) {
        this(file, maildirs, accounts, cloudMailboxes, routes, credentialServers, settings, outbox, smtpSubmission,
                List.of());
    }

    /**
     * True when no MailDir and no whole-account call ({@code Office365_Folders(...)},
     * {@code GMail_Labels(...)}) is declared: the daemon only serves tokens through its
     * CredentialServers, and any cloud mailboxes declared (the original's README example does
     * this) only name accounts; they are not synced.
     */
    public boolean authenticationOnly() {
        return maildirs.isEmpty() && wholeAccounts.isEmpty();
    }
}
