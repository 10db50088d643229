package dev.cms.cli;

import dev.cms.config.ConfigException;
import dev.cms.time.Ticker;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What the sub-commands that read a configuration share (a picocli mixin): {@code -c FILE},
 * {@code -v}/{@code -q}, the {@code -c FILE} given before the sub-command's name, the top-level
 * command's clock, and the command's output streams.
 */
final class ConfigReading {
    @Mixin
    ConfigOption config = new ConfigOption();

    @Mixin
    Verbosity verbosity = new Verbosity();

    /** The command this mixin is part of. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The configuration file: the sub-command's {@code -c}, else the one before its name, else the default places. */
    Path configFile() throws ConfigException {
        CmsCommand global = global();
        return config.resolve(global == null ? null : global.config);
    }

    /** The top-level command's clock (the system's when the sub-command runs on its own). */
    Ticker ticker() {
        CmsCommand global = global();
        return global == null ? Ticker.SYSTEM : global.ticker;
    }

    PrintWriter out() {
        return command.commandLine().getOut();
    }

    PrintWriter err() {
        return command.commandLine().getErr();
    }

    /** The top-level command, or null when the sub-command runs on its own. */
    private @Nullable CmsCommand global() {
        CommandSpec parent = command.parent();
        return parent != null && parent.userObject() instanceof CmsCommand c ? c : null;
    }
}
