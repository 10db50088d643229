package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cms.model.ContentHash;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both ends of the C1 control range (U+0080 to U+009F) are refused in a cloud id, as the
 * C0 ones are; the characters just outside it are ordinary.
 */
class IdRecordsC1Test {
    @TempDir Path temp;

    @Test
    void bothEndsOfTheC1RangeAreRefusedAndTheirNeighboursKept() throws IOException {
        MessageStore store = MessageStore.open(temp.resolve("state"));
        ContentHash a = store.ingest(new ByteArrayInputStream("a\n".getBytes(StandardCharsets.US_ASCII)));
        Map<String, ContentHash> ids = new LinkedHashMap<>();
        ids.put("first\u0080c1", a);
        ids.put("last\u009fc1", a);
        ids.put("tilde~ok", a);
        ids.put("nbsp\u00a0ok", a);
        ids.put("excl!ok", a);
        store.recordIds("gmail:c1", ids);
        Map<String, ContentHash> kept = Map.of("tilde~ok", a, "nbsp\u00a0ok", a, "excl!ok", a);
        assertEquals(kept, store.recordedIds("gmail:c1", ids.keySet()));
        assertEquals(kept, MessageStore.open(temp.resolve("state")).recordedIds("gmail:c1", ids.keySet()));
    }
}
