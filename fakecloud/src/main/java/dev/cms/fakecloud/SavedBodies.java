package dev.cms.fakecloud;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Message bodies of a saved fake cloud, one file per distinct body named by its SHA-256:
 * bodies never change, so each is written once and a snapshot of the state only names them.
 */
final class SavedBodies {
    private final Path dir;

    SavedBodies(Path dir) {
        this.dir = dir;
    }

    /** Stores {@code raw} unless already there; returns its name. */
    String put(byte[] raw) {
        String name = sha256(raw);
        Path file = dir.resolve(name);
        if (Files.exists(file)) {
            return name;
        }
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".body-", ".tmp");
            Files.write(tmp, raw);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return name;
    }

    byte[] get(String name) {
        if (!name.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not a saved body name: " + name);
        }
        try {
            return Files.readAllBytes(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] raw) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
