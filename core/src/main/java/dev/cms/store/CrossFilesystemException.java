package dev.cms.store;

import java.io.IOException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/** Hard links between the state directory and a Maildir are impossible: different filesystems. */
public final class CrossFilesystemException extends IOException {
    private final transient Path dir;
    private final transient Path stateDir;

    public CrossFilesystemException(Path dir, Path stateDir, @Nullable Throwable cause) {
        super(dir + " and the state directory " + stateDir + " are on different filesystems, so"
                + " messages cannot be hard-linked between them; set cfg.message_db_dir to a"
                + " directory on the same filesystem as your Maildirs (for example ~/mail/.cms).",
                cause);
        this.dir = dir;
        this.stateDir = stateDir;
    }

    /** The directory that cannot receive hard links from the store. */
    public Path dir() {
        return dir;
    }

    public Path stateDir() {
        return stateDir;
    }
}
