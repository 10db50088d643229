package dev.cms.cli;

import dev.cms.auth.GoogleAuthOptions;
import dev.cms.auth.Office365AuthOptions;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.Office365AccountSpec;
import dev.cms.provider.CloudAccount;

/**
 * What the token sources and the provider adapters are built from, made from the
 * configuration's account entries with their defaults filled in: auth and the adapters never
 * see the parser's records.
 */
public final class AccountOptions {
    private AccountOptions() {}

    public static GoogleAuthOptions google(GmailAccountSpec a) {
        return new GoogleAuthOptions(a.key(), a.user(), a.clientId(), a.clientSecret(), a.authEndpoint(),
                a.tokenEndpoint(), a.pos() == null ? null : a.pos().toString());
    }

    public static Office365AuthOptions office365(Office365AccountSpec a) {
        String tenant = a.tenant() == null || a.tenant().isBlank() ? Office365AccountSpec.DEFAULT_TENANT
                : a.tenant().trim();
        String host = a.authorityHost() == null || a.authorityHost().isBlank()
                ? Office365AccountSpec.DEFAULT_AUTHORITY_HOST : a.authorityHost().trim();
        while (host.endsWith("/")) {
            host = host.substring(0, host.length() - 1);
        }
        return new Office365AuthOptions(a.key(), a.user(), tenant, a.clientId(), a.deviceCode(), host,
                host.equalsIgnoreCase(Office365AccountSpec.DEFAULT_AUTHORITY_HOST),
                a.pos() == null ? null : a.pos().toString());
    }

    /** The account of a Gmail mailbox. */
    public static CloudAccount gmail(GmailAccountSpec a) {
        return new CloudAccount(a.key(), a.user(),
                a.apiEndpoint() == null ? GmailAccountSpec.DEFAULT_API_ENDPOINT : a.apiEndpoint());
    }

    /** The account of an Office365 mailbox; known by its tenant when it names no user. */
    public static CloudAccount graph(Office365AccountSpec a) {
        return new CloudAccount(a.key(), a.user() == null ? a.tenant() : a.user(),
                a.graphEndpoint() == null ? Office365AccountSpec.DEFAULT_GRAPH_ENDPOINT : a.graphEndpoint());
    }
}
