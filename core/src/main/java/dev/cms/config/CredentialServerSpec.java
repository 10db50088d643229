package dev.cms.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code CredentialServer(path, accounts, umask=0o600, protocols=["SMTP"])}. */
public record CredentialServerSpec(Path path, List<AccountSpec> accounts, int umask, Set<String> protocols, SourcePos pos) {
    public CredentialServerSpec {
        accounts = List.copyOf(accounts);
        protocols = Set.copyOf(protocols);
    }
}
