package dev.cms.config;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/** The {@code cfg.<name> = value} settings, with their defaults filled in. */
public record Settings(Path messageDbDir, int pollInterval, int webPort, @Nullable Path storageKeyFile,
        @Nullable String authNotifyCmd, int safetyScanInterval) {
    public static final String DEFAULT_MESSAGE_DB_DIR = "~/mail/.cms/";
    public static final int DEFAULT_POLL_INTERVAL = 60;
    /** Seconds between listings of the Maildirs' names that catch file events the watcher missed. */
    public static final int DEFAULT_SAFETY_SCAN_INTERVAL = 600;

    public Settings(Path messageDbDir, int pollInterval, int webPort, @Nullable Path storageKeyFile,
            @Nullable String authNotifyCmd) {
        this(messageDbDir, pollInterval, webPort, storageKeyFile, authNotifyCmd, DEFAULT_SAFETY_SCAN_INTERVAL);
    }
    public static final int DEFAULT_WEB_PORT = 8080;
}
