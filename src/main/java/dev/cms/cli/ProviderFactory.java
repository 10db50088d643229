package dev.cms.cli;

import dev.cms.config.CloudMailboxSpec;
import dev.cms.config.ConfigException;
import dev.cms.provider.CloudMailbox;
import java.io.IOException;

/** Makes the provider for a configured cloud mailbox (real services, or fakes in tests). */
@FunctionalInterface
interface ProviderFactory {
    CloudMailbox create(CloudMailboxSpec spec) throws ConfigException, IOException;
}
