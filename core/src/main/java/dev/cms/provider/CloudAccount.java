package dev.cms.provider;

import java.util.Objects;

/**
 * The account a provider adapter's mailbox belongs to, made by the CLI from the configuration
 * (defaults filled in).
 *
 * @param key the account's key, the prefix of its mailboxes' keys ({@code gmail:alice@example.com})
 * @param user who the account is in logs and errors (its address, or the tenant when none)
 * @param endpoint the service's API root ({@code https://gmail.googleapis.com/},
 *     {@code https://graph.microsoft.com})
 */
public record CloudAccount(String key, String user, String endpoint) {
    public CloudAccount {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(endpoint, "endpoint");
    }
}
