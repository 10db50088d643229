package dev.cms.sync;

import dev.cms.model.ContentHash;
import dev.cms.store.MessageStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses each message's Maildir by the routing rules, reading headers from the stored body. */
final class Routing {
    private static final Logger log = LoggerFactory.getLogger(Routing.class);
    private final Router router;
    private final MessageStore store;

    Routing(Router router, MessageStore store) {
        this.router = router;
        this.store = store;
    }

    /**
     * Chooses the Maildir of each message of {@code r} without one; with {@code rulesChanged}, of
     * every message not routed by the current rules this cycle ({@code everything}: of the whole
     * listing, else of what it changed).
     */
    void route(CloudState c, Refresh r, boolean everything, boolean rulesChanged) {
        Listed now = r.now();
        Map<String, Entry> todo = new HashMap<>();
        BiConsumer<String, Entry> pick = (id, e) -> {
            if (e.target() < 0 || rulesChanged && !c.routedThisCycle.contains(id)) {
                todo.put(id, e);
            }
        };
        if (everything && !now.full) {
            now.forEach(pick);
        } else {
            now.changed().forEach(pick);
        }
        for (Map.Entry<String, Entry> m : todo.entrySet()) {
            Entry e = m.getValue();
            now.put(m.getKey(), e.withTarget(one(c, m.getKey(), e.hash())));
        }
    }

    /** The Maildir of message {@code id} of {@code c}, whose body is {@code h}. */
    int one(CloudState c, String id, ContentHash h) {
        try {
            return ofFile(c, store.path(h));
        } catch (IOException ex) {
            log.warn("{}: cannot read headers of {} for routing ({}); using the first Maildir", c.key(), id,
                    ex.getMessage());
            return 0;
        }
    }

    /** The Maildir of a message of {@code c} whose bytes are the file {@code body} (a stored body, a user's file). */
    int ofFile(CloudState c, Path body) throws IOException {
        return ofFile(c, body, new HashMap<>());
    }

    /** As {@link #ofFile(CloudState, Path)}, with the headers read so far of {@code body} in {@code cache}. */
    int ofFile(CloudState c, Path body, Map<String, @Nullable String> cache) throws IOException {
        return router.route(c.index, name -> {
            if (!cache.containsKey(name)) {
                cache.put(name, HeaderReader.read(body, name));
            }
            return cache.get(name);
        });
    }
}
