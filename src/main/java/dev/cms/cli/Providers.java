package dev.cms.cli;

import dev.cms.config.ConfigException;

/** The providers for real cloud services. */
final class Providers {
    private Providers() {}

    static ProviderFactory real() {
        return spec -> {
            throw new ConfigException(spec.pos(), switch (spec.service()) {
                case GMAIL -> "GMail(...) mailboxes are not supported by this build yet";
                case OFFICE365 -> "Office365(...) mailboxes are not supported by this build yet";
            });
        };
    }
}
