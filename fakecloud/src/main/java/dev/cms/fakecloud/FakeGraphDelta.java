package dev.cms.fakecloud;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Message delta ({@code GET .../mailFolders/{id}/messages/delta}) and folder delta
 * ({@code GET .../mailFolders/delta}) of the fake Graph. A round's position travels in its skip
 * and delta tokens, so the fake keeps nothing per client: a round pages through a mailbox's
 * change logs up to the snapshot it took, and its delta link starts the next round from there.
 * Tokens from before {@link FakeGraph#expireDeltaTokens} or older than the horizon answer 410.
 */
final class FakeGraphDelta {

    /** A delta round's position, carried in skip and delta tokens (base64url JSON). */
    private record DeltaState(String folder, int epoch, long issued, long base, long after, long snapshot,
                              int pageSize, String select, String expand) {
        String encode() {
            JsonObject o = new JsonObject();
            o.addProperty("f", folder);
            o.addProperty("e", epoch);
            o.addProperty("t", issued);
            o.addProperty("b", base);
            o.addProperty("a", after);
            o.addProperty("s", snapshot);
            o.addProperty("p", pageSize);
            if (select != null) {
                o.addProperty("sel", select);
            }
            if (expand != null) {
                o.addProperty("exp", expand);
            }
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    FakeMicrosoftResponse.GSON.toJson(o).getBytes(StandardCharsets.UTF_8));
        }

        static DeltaState decode(String token) {
            JsonObject o = JsonParser.parseString(new String(Base64.getUrlDecoder().decode(token),
                    StandardCharsets.UTF_8)).getAsJsonObject();
            return new DeltaState(o.get("f").getAsString(), o.get("e").getAsInt(), o.get("t").getAsLong(),
                    o.get("b").getAsLong(), o.get("a").getAsLong(), o.get("s").getAsLong(), o.get("p").getAsInt(),
                    o.has("sel") ? o.get("sel").getAsString() : null, o.has("exp") ? o.get("exp").getAsString() : null);
        }
    }

    private final Clock clock;
    private final FakeGraphPaging paging;
    /** See {@link FakeGraph#setDeltaTokenHorizon}. */
    volatile Duration horizon = Duration.ofDays(30);

    FakeGraphDelta(Clock clock, FakeGraphPaging paging) {
        this.clock = clock;
        this.paging = paging;
    }

    /**
     * {@code GET .../mailFolders/{id}/messages/delta}: every message of the folder, then with the
     * delta link those changed or added since, and those that left it as {@code @removed}.
     */
    FakeMicrosoftResponse messages(FakeMicrosoftRequest r, FakeGraphMailbox m, String folder, String prefix) {
        return withToken(r, given -> messageRound(r, m, folder, prefix, given));
    }

    /**
     * {@code GET /me/mailFolders/delta}: every folder of the mailbox (hidden ones included, the
     * top of the mailbox not), then with the delta link those whose name, parent, child count or
     * item counts changed since. A flag change alone does not change a folder. Pages and tokens
     * as in message delta; {@code $select} is accepted and every folder field returned.
     */
    FakeMicrosoftResponse folders(FakeMicrosoftRequest r, FakeGraphMailbox m, String prefix) {
        return withToken(r, given -> folderRound(r, m, prefix, given));
    }

    /** Serves {@code round} with the skip or delta token (null for a first request); 400 for a malformed token. */
    private static FakeMicrosoftResponse withToken(FakeMicrosoftRequest r,
                                                   Function<DeltaState, FakeMicrosoftResponse> round) {
        DeltaState given;
        try {
            given = givenDeltaState(r);
        } catch (RuntimeException e) {
            return malformedToken();
        }
        return round.apply(given);
    }

    private FakeMicrosoftResponse messageRound(FakeMicrosoftRequest r, FakeGraphMailbox m, String folder, String prefix,
                                               DeltaState given) {
        Instant now = clock.instant();
        synchronized (m) {
            FakeGraphMailbox.Folder f = m.folder(folder);
            if (f == null) {
                return FakeGraphJson.folderNotFound(folder);
            }
            DeltaState st;
            if (given == null) {
                st = new DeltaState(f.id, m.epoch, now.getEpochSecond(), 0, 0, m.seq, paging.pageSize(r, 10),
                        r.param("$select"), r.param("$expand"));
            } else {
                if (expired(given, m, now)) {
                    return syncStateNotFound();
                }
                if (!given.folder().equals(f.id)) {
                    return FakeMicrosoftResponse.graphError(400, "ErrorInvalidUrlQuery",
                            "The sync state belongs to another folder.");
                }
                int pageSize = paging.pageSize(r, given.pageSize());
                st = r.param("$skiptoken") == null // a delta token: a new round from its snapshot
                        ? new DeltaState(f.id, m.epoch, now.getEpochSecond(), given.snapshot(), given.snapshot(), m.seq,
                                pageSize, given.select(), given.expand())
                        : new DeltaState(f.id, m.epoch, given.issued(), given.base(), given.after(), given.snapshot(),
                                pageSize, given.select(), given.expand());
            }
            Set<String> select = FakeGraphJson.select(st.select());
            Set<String> expand = FakeGraphJson.expand(st.expand());
            JsonArray value = new JsonArray();
            long last = st.after();
            boolean more = false;
            for (Map.Entry<Long, FakeGraphMailbox.LogEntry> e
                    : f.log.subMap(st.after(), false, st.snapshot(), true).entrySet()) {
                if (value.size() == st.pageSize()) {
                    more = true;
                    break;
                }
                last = e.getKey();
                FakeGraphMailbox.LogEntry entry = e.getValue();
                if (entry.removed()) {
                    if (st.base() > 0) {
                        JsonObject gone = new JsonObject();
                        gone.addProperty("@odata.type", "#microsoft.graph.message");
                        gone.addProperty("id", entry.id());
                        JsonObject reason = new JsonObject();
                        reason.addProperty("reason", "deleted");
                        gone.add("@removed", reason);
                        value.add(gone);
                    }
                    continue;
                }
                JsonObject item = FakeGraphJson.message(m.messages.get(entry.id()), select, expand);
                item.addProperty("@odata.type", "#microsoft.graph.message");
                value.add(item);
            }
            DeltaState then = more
                    ? new DeltaState(f.id, st.epoch(), st.issued(), st.base(), last, st.snapshot(),
                            st.pageSize(), st.select(), st.expand())
                    : new DeltaState(f.id, st.epoch(), st.issued(), st.snapshot(), st.snapshot(),
                            st.snapshot(), st.pageSize(), st.select(), st.expand());
            return page("message", value, prefix + "/mailFolders/" + f.id + "/messages/delta", more, then);
        }
    }

    private FakeMicrosoftResponse folderRound(FakeMicrosoftRequest r, FakeGraphMailbox m, String prefix, DeltaState given) {
        Instant now = clock.instant();
        synchronized (m) {
            long seqNow = m.refreshFolderChanges();
            DeltaState st;
            if (given == null) {
                st = new DeltaState("folders", m.epoch, now.getEpochSecond(), 0, 0, seqNow, paging.pageSize(r, 10),
                        r.param("$select"), null);
            } else {
                if (expired(given, m, now)) {
                    return syncStateNotFound();
                }
                if (!given.folder().equals("folders")) {
                    return FakeMicrosoftResponse.graphError(400, "ErrorInvalidUrlQuery",
                            "The sync state belongs to a message delta.");
                }
                int pageSize = paging.pageSize(r, given.pageSize());
                st = r.param("$skiptoken") == null // a delta token: a new round from its snapshot
                        ? new DeltaState("folders", m.epoch, now.getEpochSecond(), given.snapshot(), 0, seqNow,
                                pageSize, given.select(), null)
                        : new DeltaState("folders", m.epoch, given.issued(), given.base(), given.after(),
                                given.snapshot(), pageSize, given.select(), null);
            }
            // Folders changed in (base, snapshot], in the order of their change, after the last one sent.
            List<Map.Entry<String, Long>> changed = new ArrayList<>();
            for (Map.Entry<String, Long> e : m.folderChanged.entrySet()) {
                if (e.getValue() > Math.max(st.base(), st.after()) && e.getValue() <= st.snapshot()) {
                    changed.add(e);
                }
            }
            changed.sort(Map.Entry.comparingByValue());
            JsonArray value = new JsonArray();
            int to = Math.min(changed.size(), st.pageSize());
            long last = st.after();
            for (int i = 0; i < to; i++) {
                FakeGraphMailbox.Folder f = m.folders.get(changed.get(i).getKey());
                value.add(f != null ? FakeGraphJson.folder(f) : FakeGraphJson.removedFolder(changed.get(i).getKey()));
                last = changed.get(i).getValue();
            }
            boolean more = to < changed.size();
            DeltaState then = more
                    ? new DeltaState("folders", st.epoch(), st.issued(), st.base(), last, st.snapshot(),
                            st.pageSize(), st.select(), null)
                    : new DeltaState("folders", st.epoch(), st.issued(), st.snapshot(), 0, st.snapshot(),
                            st.pageSize(), st.select(), null);
            return page("mailFolder", value, prefix + "/mailFolders/delta", more, then);
        }
    }

    /** The state a skip or delta token carries; null for a first request. Throws on a malformed token. */
    private static DeltaState givenDeltaState(FakeMicrosoftRequest r) {
        String skipToken = r.param("$skiptoken");
        String deltaToken = r.param("$deltatoken");
        if (skipToken == null && deltaToken == null) {
            return null;
        }
        return DeltaState.decode(skipToken != null ? skipToken : deltaToken);
    }

    /** Whether a token is from before the mailbox's tokens were expired, or older than the horizon. */
    private boolean expired(DeltaState given, FakeGraphMailbox m, Instant now) {
        return given.epoch() != m.epoch
                || Duration.between(Instant.ofEpochSecond(given.issued()), now).compareTo(horizon) > 0;
    }

    /**
     * A page of a delta round: its items, then a next link that carries {@code then} when there
     * is {@code more} of the round, else the delta link that starts the next round from it.
     */
    private FakeMicrosoftResponse page(String type, JsonArray value, String path, boolean more, DeltaState then) {
        JsonObject o = new JsonObject();
        o.addProperty("@odata.context", paging.root() + "/v1.0/$metadata#Collection(" + type + ")");
        o.add("value", value);
        if (more) {
            o.addProperty("@odata.nextLink", paging.link(path, Map.of("$skiptoken", then.encode())));
        } else {
            o.addProperty("@odata.deltaLink", paging.link(path, Map.of("$deltatoken", then.encode())));
        }
        return FakeMicrosoftResponse.json(200, o)
                .withHeader("Preference-Applied", "odata.maxpagesize=" + then.pageSize());
    }

    private static FakeMicrosoftResponse malformedToken() {
        return FakeMicrosoftResponse.graphError(400, "ErrorInvalidUrlQuery", "The sync state is malformed.");
    }

    private static FakeMicrosoftResponse syncStateNotFound() {
        return FakeMicrosoftResponse.graphError(410, "SyncStateNotFound",
                "The sync state generation is not found. The delta token is expired and data must be"
                        + " synchronized again.");
    }
}
