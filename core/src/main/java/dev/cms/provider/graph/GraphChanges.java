package dev.cms.provider.graph;

import com.microsoft.graph.models.Message;
import com.microsoft.graph.users.item.messages.item.copy.CopyPostRequestBody;
import com.microsoft.graph.users.item.messages.item.move.MovePostRequestBody;
import com.microsoft.kiota.BaseRequestConfiguration;
import com.microsoft.kiota.RequestInformation;
import dev.cms.provider.Change;
import dev.cms.provider.ChangesOutcomeUnknownException;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.UploadOutcomeUnknownException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one folder's changes ({@link GraphMailbox#apply}): JSON {@code $batch} of at most 20,
 * a PATCH per message for isRead, flag and the replied properties, then (in later batches, so a
 * move never overtakes its PATCH) {@code POST /me/messages/{id}/move} with {@code destinationId}
 * (the delete action's {@code archive} or {@code deleteditems}, or the folder id of a move's
 * destination; with immutable ids the message keeps its id). Copies go one by one,
 * {@code POST /me/messages/{id}/copy} with {@code destinationId}, each answered (201) with the
 * new message, whose id is the copy's.
 */
final class GraphChanges {
    private static final Logger log = LoggerFactory.getLogger(GraphChanges.class);
    private static final String COPY = "messages.copy";

    private final GraphTransport transport;
    private final GraphBatch batch;
    private final String key;

    GraphChanges(GraphTransport transport, GraphBatch batch, String key) {
        this.transport = transport;
        this.batch = batch;
        this.key = key;
    }

    /**
     * Applies {@code changes}; {@code deleteTo} is where a deletion moves a message, {@code folders}
     * the folder id of each move's or copy's destination. Returns each move's and copy's id in its destination.
     */
    Map<Change, String> apply(List<Change> changes, Instant now, String deleteTo, Map<CloudMailbox, String> folders)
            throws IOException, InterruptedException {
        List<GraphBatch.Sub> patches = new ArrayList<>();
        List<GraphBatch.Sub> moves = new ArrayList<>();
        int n = 0;
        for (Change c : changes) {
            Message patch = c.copy() ? null : GraphMessages.patch(c.from(), c.to(), now);
            if (patch != null) {
                RequestInformation r = messages().byMessageId(c.id())
                        .toPatchRequestInformation(patch, GraphChanges::preferImmutableIds);
                patches.add(new GraphBatch.Sub(Integer.toString(++n), r, "PATCH message " + c.id()));
            }
        }
        Map<Change, String> placed = new LinkedHashMap<>();
        for (Change c : changes) {
            if (c.delete() || c.moves()) {
                String to = c.delete() ? deleteTo : destination(c, folders);
                MovePostRequestBody body = new MovePostRequestBody();
                body.setDestinationId(to);
                RequestInformation r = messages().byMessageId(c.id()).move()
                        .toPostRequestInformation(body, GraphChanges::preferImmutableIds);
                moves.add(new GraphBatch.Sub(Integer.toString(++n), r, "move message " + c.id() + " to " + to));
                if (c.moves()) {
                    placed.put(c, c.id()); // an immutable id stays the message's id wherever it moves
                }
            }
        }
        List<String> failures = new ArrayList<>(batch.run(patches));
        failures.addAll(batch.run(moves));
        List<Change> unknown = new ArrayList<>();
        List<GraphBatch.Sub> copyPatches = new ArrayList<>();
        for (Change c : changes) {
            if (c.copy()) {
                n++;
                copy(c, destination(c, folders), placed, failures, unknown);
                // A copy is made with the message's flags; the user changed the saved file's.
                Message patch = placed.containsKey(c) ? GraphMessages.patch(c.from(), c.to(), now) : null;
                if (patch != null) {
                    RequestInformation r = messages().byMessageId(placed.get(c))
                            .toPatchRequestInformation(patch, GraphChanges::preferImmutableIds);
                    copyPatches.add(new GraphBatch.Sub(Integer.toString(++n), r, "PATCH copy " + placed.get(c)));
                }
            }
        }
        failures.addAll(batch.run(copyPatches));
        if (!failures.isEmpty()) {
            String message = "Office365 changes for " + key + ": " + failures.size() + " of " + n
                    + " failed: " + String.join("; ", failures.subList(0, Math.min(5, failures.size())))
                    + (failures.size() > 5 ? "; ..." : "");
            // The copies made are messages the next listing brings; made again, they would be two.
            List<Change> mayExist = new ArrayList<>(unknown);
            for (Change c : changes) {
                if (c.copy() && placed.containsKey(c)) {
                    mayExist.add(c);
                }
            }
            throw mayExist.isEmpty() ? new IOException(message) : new ChangesOutcomeUnknownException(message, mayExist);
        }
        log.debug("{}: applied {} changes in {} sub-requests", key, changes.size(), n);
        return placed;
    }

    /**
     * One copy: its new id into {@code placed}, or a failure into {@code failures} (a 404: the
     * message is gone). A copy makes a message, so it is sent once: a request that may have
     * reached Graph (a lost connection, a 500, 502 or 504) is not sent again, then or later (it
     * goes into {@code unknown}); the next listing of the destination shows whether it was made.
     */
    private void copy(Change c, String to, Map<Change, String> placed, List<String> failures, List<Change> unknown)
            throws IOException, InterruptedException {
        CopyPostRequestBody body = new CopyPostRequestBody();
        body.setDestinationId(to);
        try {
            Message copy = transport.call(COPY, () -> messages().byMessageId(c.id()).copy().post(body,
                    rc -> rc.options.add(GraphCall.once(COPY))));
            placed.put(c, GraphMessages.id(COPY, copy));
        } catch (GraphStatusException e) {
            if (e.status() == 404) {
                log.debug("{}: message {} is gone (HTTP 404); not copied", key, c.id());
            } else {
                failures.add("copy message " + c.id() + " to " + to + ": " + e.getMessage());
            }
        } catch (UploadOutcomeUnknownException e) {
            unknown.add(c);
            failures.add("copy message " + c.id() + " to " + to + ": " + e.getMessage() + "; not sent again");
        }
    }

    private static String destination(Change c, Map<CloudMailbox, String> folders) {
        return Objects.requireNonNull(folders.get(c.into()), "every destination's folder id is known");
    }

    private com.microsoft.graph.users.item.messages.MessagesRequestBuilder messages() {
        return transport.graph().me().messages();
    }

    /** Headers of the $batch envelope do not apply to its parts: each asks for immutable ids. */
    private static void preferImmutableIds(BaseRequestConfiguration rc) {
        rc.headers.add("Prefer", GraphTransport.PREFER_IMMUTABLE_ID);
    }
}
