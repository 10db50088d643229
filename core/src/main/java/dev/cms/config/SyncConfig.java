package dev.cms.config;

import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A parsed, validated configuration: everything a {@code cms.cfg} declares, in the order it
 * declares it. Immutable. {@code outbox} is null when the file declares no {@code Outbox(...)},
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
        @Nullable SmtpSubmissionSpec smtpSubmission) {
    public SyncConfig {
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
        this(file, maildirs, accounts, cloudMailboxes, routes, credentialServers, settings, null, null);
    }

    /**
     * True when no MailDir is declared: the daemon only serves tokens through its
     * CredentialServers, and any cloud mailboxes declared (the original's README example does
     * this) only name accounts; they are not synced.
     */
    public boolean authenticationOnly() {
        return maildirs.isEmpty();
    }
}
