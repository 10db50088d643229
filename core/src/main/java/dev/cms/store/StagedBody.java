package dev.cms.store;

import dev.cms.model.ContentHash;
import java.nio.file.Path;

/**
 * A body written by {@link MessageStore#stage} into the store's {@code tmp/}: complete, but
 * neither synced to the disk nor named in {@code hashes/} until {@link MessageStore#publish}.
 * Nothing may record its hash before that returns.
 */
public final class StagedBody {
    final Path temp;
    private final ContentHash hash;

    StagedBody(Path temp, ContentHash hash) {
        this.temp = temp;
        this.hash = hash;
    }

    /** The content hash of the body (after CRLF became LF). */
    public ContentHash hash() {
        return hash;
    }

    @Override
    public String toString() {
        return "staged " + hash.hex();
    }
}
