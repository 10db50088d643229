package dev.cms.auth;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@link Office365Auth} needs to know of an Office365 account, made by the CLI from the
 * configuration (defaults filled in).
 *
 * @param key the account's key in the token store
 * @param user the account's address (the login hint), or null when any user may log in
 * @param tenant the directory, e.g. {@code common} or a tenant id
 * @param clientId the account's own app registration (blank: not configured)
 * @param deviceCode log in by device code rather than the login page
 * @param authorityHost the identity platform, {@code https://host}
 * @param instanceDiscovery whether MSAL may ask the public cloud about {@code authorityHost}
 *     (true for the public cloud's own host)
 * @param pos where the account is configured ({@code file:line:col}), for errors; null when unknown
 */
public record Office365AuthOptions(String key, @Nullable String user, String tenant, @Nullable String clientId,
                                   boolean deviceCode, String authorityHost, boolean instanceDiscovery,
                                   @Nullable String pos) {
    public Office365AuthOptions {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(authorityHost, "authorityHost");
    }
}
