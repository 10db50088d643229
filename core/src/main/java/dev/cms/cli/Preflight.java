package dev.cms.cli;

import dev.cms.config.AccountSpec;
import dev.cms.config.ConfigException;
import dev.cms.config.MaildirSpec;
import dev.cms.config.SyncConfig;
import dev.cms.store.CrossFilesystemException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The checks a configuration must pass before the daemon creates anything or goes on the
 * network, shared by the daemon and {@code check}: every account in use has its client id,
 * the state directory, the Maildirs and the roots of whole accounts can be created, and they
 * share a filesystem (the
 * store hard-links messages into the Maildirs). Reads only; creates nothing.
 */
final class Preflight {
    private Preflight() {}

    static void check(SyncConfig config) throws ConfigException, IOException {
        for (AccountSpec a : CloudAccess.accountsInUse(config)) {
            CloudAccess.validate(a, config.file());
        }
        Path stateDir = config.settings().messageDbDir();
        Path stateBase = creatableFrom(stateDir);
        List<Path> roots = new ArrayList<>();
        for (MaildirSpec m : config.maildirs()) {
            roots.add(m.path());
        }
        for (dev.cms.config.WholeAccountSpec w : config.wholeAccounts()) {
            roots.add(w.root());
        }
        for (Path root : roots) {
            Path base = creatableFrom(root);
            Object stateDevice = device(stateBase);
            Object device = device(base);
            if (stateDevice != null && device != null && !stateDevice.equals(device)) {
                throw new CrossFilesystemException(root, stateDir, null);
            }
        }
    }

    /**
     * The nearest existing directory at or above {@code path}, after checking that what is
     * missing below it can be created there: no file is in the way and it is writable.
     */
    private static Path creatableFrom(Path path) throws FileSystemException {
        Path p = path.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            throw new FileSystemException(path.toString(), null, "no part of this path exists");
        }
        if (!Files.isDirectory(p)) {
            throw new FileSystemException(path.toString(), null, p + " is a file, not a directory");
        }
        if (!p.equals(path.toAbsolutePath().normalize()) && !Files.isWritable(p)) {
            throw new AccessDeniedException(path.toString(), null, "cannot be created in " + p);
        }
        return p;
    }

    private static @Nullable Object device(Path existing) {
        try {
            return Files.getAttribute(existing, "unix:dev");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null; // the hard-link probe at start-up decides then
        }
    }
}
