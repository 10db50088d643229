package dev.cms.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Another daemon (or another part of this process) already holds the state directory's lock. */
public final class StateLockedException extends IOException {
    private final transient Path stateDir;
    private final long pid; // -1 when unknown

    public StateLockedException(Path stateDir, OptionalLong pid) {
        super("another cloud-mdir-sync ("
                + (pid.isPresent() ? "pid " + pid.getAsLong() : "unknown pid")
                + ") is already using " + stateDir
                + "; stop it first, or give this one its own cfg.message_db_dir");
        this.stateDir = stateDir;
        this.pid = pid.orElse(-1);
    }

    public Path stateDir() {
        return stateDir;
    }

    /** The holder's pid as written in the lock file, when it could be read. */
    public OptionalLong pid() {
        return pid >= 0 ? OptionalLong.of(pid) : OptionalLong.empty();
    }
}
