package dev.cms.cli;

import dev.cms.config.ConfigLoader;
import dev.cms.config.SyncConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code check}: parse and validate a configuration without network access. */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {
            "Validate a configuration without network access and show what it would sync.",
            "It runs every check the daemon runs before it starts: the file itself, the",
            "client ids, and whether the Maildirs and the state directory can be created",
            "on one filesystem. It creates nothing.",
            "Exit 0 when valid, 2 with the error (file:line:column) for a configuration",
            "error, 1 when a path cannot be created."})
final class CheckCommand implements Callable<Integer> {
    @Mixin
    ConfigReading options = new ConfigReading();

    @Override
    public Integer call() throws Exception {
        Path file = options.configFile();
        SyncConfig cfg = ConfigLoader.load(file);
        Preflight.check(cfg);
        options.out().println(file + ": OK");
        options.out().print(ConfigLoader.describe(cfg));
        options.out().flush();
        return ExitCodes.OK;
    }
}
