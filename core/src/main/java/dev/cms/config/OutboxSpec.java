package dev.cms.config;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code Outbox(accounts=None, path=None, umask=0o600)}: the daemon sends mail for
 * {@code accounts} (every declared account when not given) from the outbox under the state
 * directory, and takes messages from {@code cms-sendmail} on the unix socket {@code path}
 * (default {@code <cfg.message_db_dir>/outbox.sock}) whose mode is {@code umask}.
 */
public record OutboxSpec(Path path, List<AccountSpec> accounts, int umask, SourcePos pos) {
    public OutboxSpec {
        accounts = List.copyOf(accounts);
    }
}
