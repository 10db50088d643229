package dev.cms.fakecloud;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's fake cloud kept in a directory, so that a second run continues the first one's
 * cloud: the same messages, ids, labels and flags, history ids and change logs, and the same
 * tenant, signing key and issued tokens (saved logins and delta links stay valid).
 *
 * <p>{@code state.json} holds everything but the bodies, which are files named by their
 * SHA-256 under {@code bodies/}. It is rewritten (atomically) after every request that may
 * have changed the cloud, before the answer is sent, so the saved cloud is never behind what
 * a client was told.
 */
public final class SavedFakeCloud {
    private static final Logger log = LoggerFactory.getLogger(SavedFakeCloud.class);
    private static final String STATE = "state.json";
    private static final int VERSION = 1;

    private final Path dir;
    private final SavedBodies bodies;
    private final FakeCloud cloud;
    private final FakeMicrosoft microsoft;
    private String written;

    public SavedFakeCloud(Path dir, FakeCloud cloud, FakeMicrosoft microsoft) {
        this.dir = dir;
        this.bodies = new SavedBodies(dir.resolve("bodies"));
        this.cloud = cloud;
        this.microsoft = microsoft;
    }

    /** Whether an earlier run saved a cloud here. */
    public boolean exists() {
        return Files.isRegularFile(dir.resolve(STATE));
    }

    /** Puts the saved state into the fakes, whose accounts and users must already be registered. */
    public void restore() throws IOException {
        Path file = dir.resolve(STATE);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            JsonObject o = JsonParser.parseString(text).getAsJsonObject();
            if (o.get("version").getAsInt() != VERSION) {
                throw new IOException(file + " was written by another version of the demo; remove "
                        + dir.getParent() + " to start the demo afresh");
            }
            cloud.gmail().restoreState(o.getAsJsonObject("gmail"), bodies);
            if (microsoft != null && o.has("graph")) {
                microsoft.identity().restoreState(o.getAsJsonObject("identity"));
                microsoft.graph().restoreState(o.getAsJsonObject("graph"), bodies);
            }
        } catch (JsonParseException | IllegalStateException | IllegalArgumentException | NullPointerException
                | UnsupportedOperationException | UncheckedIOException e) {
            throw new IOException(file + " is damaged (" + e.getMessage() + "); remove " + dir.getParent()
                    + " to start the demo afresh", e);
        }
        written = text;
    }

    /** Saves from now on after every request that may change the cloud. */
    public void saveAfterEveryChange() {
        cloud.afterChange(this::saveOrWarn);
        if (microsoft != null) {
            microsoft.afterChange(this::saveOrWarn);
        }
    }

    private void saveOrWarn() {
        try {
            save();
        } catch (IOException | UncheckedIOException e) {
            log.warn("demo: cannot save the fake cloud in {}: {}", dir, e.getMessage());
        }
    }

    /** Writes the state if it changed since the last write. */
    public synchronized void save() throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("version", VERSION);
        o.add("gmail", cloud.gmail().saveState(bodies));
        if (microsoft != null) {
            o.add("identity", microsoft.identity().saveState());
            o.add("graph", microsoft.graph().saveState(bodies));
        }
        String text = o.toString();
        if (text.equals(written)) {
            return;
        }
        Files.createDirectories(dir);
        Path tmp = dir.resolve(STATE + ".tmp");
        // It holds the tokens the fake issued: readable by the owner only.
        try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))) {
            ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        try {
            Files.move(tmp, dir.resolve(STATE), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(STATE), StandardCopyOption.REPLACE_EXISTING);
        }
        written = text;
    }
}
