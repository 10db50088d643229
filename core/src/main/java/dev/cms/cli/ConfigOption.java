package dev.cms.cli;

import dev.cms.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** The {@code -c FILE} option shared by the commands that read a configuration. */
final class ConfigOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = {"Configuration file; default: ./cms.cfg, else",
                "~/.config/cloud-mdir-sync/cms.cfg."})
    @Nullable Path file;

    /** The configuration file to use, or a ConfigException saying none was found. */
    Path resolve() throws ConfigException {
        return resolve(file, Path.of("").toAbsolutePath(), System.getenv());
    }

    /**
     * As {@link #resolve()} for a sub-command: its own {@code -c} wins, else the one given
     * before the sub-command name ({@code cloud-mdir-sync -c FILE status}).
     */
    Path resolve(@Nullable ConfigOption global) throws ConfigException {
        Path given = file != null ? file : global != null ? global.file : null;
        return resolve(given, Path.of("").toAbsolutePath(), System.getenv());
    }

    static Path resolve(@Nullable Path given, Path cwd, Map<String, String> env) throws ConfigException {
        if (given != null) {
            return given;
        }
        Path local = cwd.resolve("cms.cfg");
        if (Files.exists(local)) {
            return local;
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : dev.cms.config.UserHome.of(env, System.getProperty("user.home")).resolve(".config");
        Path user = base.resolve("cloud-mdir-sync").resolve("cms.cfg");
        if (Files.exists(user)) {
            return user;
        }
        throw new ConfigException(local, "no configuration file: neither " + local + " nor " + user
                + " exists; write one (see cms.cfg.example) or name it with -c FILE");
    }
}
