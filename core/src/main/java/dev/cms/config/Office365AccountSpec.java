package dev.cms.config;

import org.jspecify.annotations.Nullable;

/** {@code Office365_Account(user=None, tenant="common", client_id=None, device_code=False, ...)}. */
public record Office365AccountSpec(
        @Nullable String user,
        String tenant,
        @Nullable String clientId,
        boolean deviceCode,
        String authorityHost,
        String graphEndpoint,
        int maxConcurrency,
        SourcePos pos) implements AccountSpec {
    public static final String DEFAULT_TENANT = "common";
    public static final String DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";
    public static final String DEFAULT_GRAPH_ENDPOINT = "https://graph.microsoft.com";
    /** Outlook allows 4 concurrent requests per mailbox per application. */
    public static final int DEFAULT_MAX_CONCURRENCY = 4;

    @Override
    public String key() {
        return "o365:" + (user == null ? tenant : user);
    }
}
