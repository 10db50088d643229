package dev.cms.cli;

import dev.cms.config.ConfigException;
import dev.cms.config.ConfigLoader;
import dev.cms.config.SyncConfig;
import dev.cms.config.WholeAccountSpec;
import dev.cms.folders.AccountFolder;
import dev.cms.store.StateDb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code check}: parse and validate a configuration; list whole accounts' folders when it can. */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {
            "Validate a configuration without network access and show what it would sync.",
            "It runs every check the daemon runs before it starts: the file itself, the",
            "client ids, and whether the Maildirs and the state directory can be created",
            "on one filesystem. It creates nothing.",
            "The one exception: for Office365_Folders(...) and GMail_Labels(...) it lists",
            "the account's folders when a login is saved (read-only; no login is started)",
            "and shows each one's Maildir, or the patterns when the account cannot be",
            "reached; a folder synced twice is an error.",
            "Exit 0 when valid, 2 with the error (file:line:column) for a configuration",
            "error, 1 when a path cannot be created."})
final class CheckCommand implements Callable<Integer> {
    @Mixin
    ConfigReading options = new ConfigReading();

    /** How the accounts are reached; replaced by tests. */
    Providers.@Nullable Factory providers;

    @Override
    public Integer call() throws Exception {
        Path file = options.configFile();
        SyncConfig cfg = ConfigLoader.load(file);
        Preflight.check(cfg);
        String folders = cfg.wholeAccounts().isEmpty() ? "" : folderMapping(cfg);
        options.out().println(file + ": OK");
        options.out().print(ConfigLoader.describe(cfg));
        options.out().print(folders);
        options.out().flush();
        return ExitCodes.OK;
    }

    /**
     * The folders each whole-account call would sync and their Maildirs, for the accounts that
     * can be reached with a saved login; why not for the others.
     *
     * @throws ConfigException when the folders that could be listed are synced twice or share
     *     a Maildir
     */
    private String folderMapping(SyncConfig cfg) throws ConfigException, IOException, InterruptedException {
        Map<WholeAccountSpec, List<AccountFolder>> listed = new HashMap<>();
        Map<WholeAccountSpec, String> unreachable = new HashMap<>();
        Path dbFile = cfg.settings().messageDbDir().resolve("state.db");
        Path keyFile = cfg.settings().storageKeyFile();
        if (!Files.exists(dbFile) || (keyFile != null && !Files.exists(keyFile))) {
            for (WholeAccountSpec call : cfg.wholeAccounts()) {
                unreachable.put(call, "not logged in yet: the daemon logs in at its first start");
            }
        } else {
            try (StateDb db = StateDb.openReadOnly(dbFile);
                    Providers p = (providers != null ? providers : (Providers.Factory) CloudAccess::openLooking)
                            .open(cfg, db)) {
                for (WholeAccountSpec call : cfg.wholeAccounts()) {
                    try {
                        listed.put(call, p.folders(call));
                    } catch (dev.cms.provider.AuthenticationRequiredException e) {
                        unreachable.put(call, "no usable saved login: the daemon asks for one when it starts");
                    } catch (IOException e) {
                        unreachable.put(call, "cannot reach the account: " + e.getMessage());
                    }
                }
            }
        }
        List<WholeAccounts.Folder> folders = WholeAccounts.expand(cfg, call -> listed.getOrDefault(call, List.of()));
        StringBuilder b = new StringBuilder("Whole-account folders:\n");
        for (WholeAccountSpec call : cfg.wholeAccounts()) {
            b.append("  ").append(call.callName()).append("(...) at ").append(call.pos()).append(", ")
                    .append(call.account().key()).append(":\n");
            String why = unreachable.get(call);
            if (why != null) {
                b.append("    (").append(why).append("; the folders will be those matching the patterns above)\n");
                continue;
            }
            List<WholeAccounts.Folder> mine = folders.stream().filter(f -> f.call() == call).toList();
            if (mine.isEmpty()) {
                b.append("    (no folder matches the patterns)\n");
            }
            for (WholeAccounts.Folder f : mine) {
                b.append("    ").append(f.folder().pathText()).append(" -> ").append(f.maildir()).append('\n');
            }
        }
        return b.toString();
    }
}
