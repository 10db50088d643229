package dev.cms.cli;

import dev.cms.auth.GoogleAuthOptions;
import dev.cms.auth.Office365AuthOptions;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.Office365AccountSpec;

/** The token sources' options, made from the configuration's account entries (defaults filled in). */
public final class AuthOptions {
    private AuthOptions() {}

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
}
