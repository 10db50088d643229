package dev.cms.store;

import dev.cms.model.ContentHash;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The hashes of the bodies the store once held and dropped (their messages left the cloud), in
 * {@code <state>/dropped.log}, one lower-case hex hash a line, appended: so that a file restored
 * after its message was deleted in the cloud (from a backup, another machine's copy of the
 * Maildir) is known as a message the cloud had, never taken for the user's own new message.
 * Only read when such a question comes up (rarely), never at start-up. 65 bytes per message.
 */
public final class DroppedBodies {
    static final String FILE = "dropped.log";
    private final Path file;

    public DroppedBodies(Path stateDir) {
        this.file = stateDir.resolve(FILE);
    }

    /** Appends {@code hashes}, durably. */
    public synchronized void record(Collection<ContentHash> hashes) throws IOException {
        if (hashes.isEmpty()) {
            return;
        }
        StringBuilder lines = new StringBuilder(hashes.size() * 65);
        for (ContentHash h : hashes) {
            lines.append(h.hex()).append('\n');
        }
        boolean created = !Files.exists(file);
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE, StandardOpenOption.DSYNC)) {
            out.write(lines.toString().getBytes(StandardCharsets.US_ASCII));
        }
        if (created) {
            StateFiles.setMode(file, StateFiles.FILE_MODE);
        }
    }

    /** Of {@code hashes}, those whose body the store once dropped (one pass over the file). */
    public synchronized Set<ContentHash> among(Collection<ContentHash> hashes) throws IOException {
        Map<String, ContentHash> byHex = new HashMap<>();
        for (ContentHash h : hashes) {
            byHex.put(h.hex(), h);
        }
        Set<ContentHash> out = new HashSet<>();
        if (byHex.isEmpty()) {
            return out;
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                ContentHash h = byHex.get(line);
                if (h != null) {
                    out.add(h);
                }
            }
        } catch (NoSuchFileException none) {
            return out;
        }
        return out;
    }
}
