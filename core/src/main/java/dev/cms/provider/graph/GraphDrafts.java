package dev.cms.provider.graph;

import com.microsoft.graph.models.MailFolder;
import com.microsoft.graph.models.Message;
import com.microsoft.graph.models.odataerrors.ODataError;
import com.microsoft.kiota.HttpMethod;
import com.microsoft.kiota.RequestInformation;
import com.microsoft.kiota.serialization.Parsable;
import com.microsoft.kiota.serialization.ParsableFactory;
import dev.cms.model.Flags;
import dev.cms.provider.LineEnds;
import dev.cms.provider.UploadOutcomeUnknownException;
import dev.cms.provider.UploadRefusedException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;

/**
 * A user's new message as an Office365 draft ({@link GraphMailbox#upload}): Graph creates
 * messages from MIME only as drafts, so only the Drafts folder takes them.
 * {@code POST /me/mailFolders/{id}/messages} with the MIME base64-encoded as {@code text/plain}
 * (CRLF line endings; Graph takes at most 4 MB of request, so about 3 MB of message), answered
 * 201 with the draft (read, not flagged); a PATCH then gives it the file's flags when they
 * differ. Sent once ({@link GraphCall#once}): a request that may have arrived is not sent again.
 * 400 and 413 are refusals.
 */
final class GraphDrafts {
    static final String CREATE = "messages.create";
    static final String REFUSAL = "Office365 creates messages from files only as drafts, in the Drafts folder";
    /** The largest message sent: its base64 (4/3 of it) stays under Graph's 4 MB request limit. */
    static final long MAX_BYTES = 3_000_000;

    private final GraphTransport transport;

    GraphDrafts(GraphTransport transport) {
        this.transport = transport;
    }

    /** The id of the account's Drafts folder ({@code GET /me/mailFolders/drafts}). */
    String draftsId() throws IOException, InterruptedException {
        String call = "mailFolders.get";
        MailFolder f = transport.call(call, () -> transport.graph().me().mailFolders().byMailFolderId("drafts")
                .get(rc -> {
                    rc.queryParameters.select = new String[] {"id"};
                    rc.options.add(GraphCall.json(call));
                }));
        if (f.getId() == null || f.getId().isEmpty()) {
            throw new MalformedGraphResponse(call, "a folder without an id");
        }
        return f.getId();
    }

    /** Creates the draft in folder {@code folderId} from {@code mime} with {@code flags}; its id. */
    String create(String folderId, Path mime, Flags flags, Instant now) throws IOException, InterruptedException {
        long size = Files.size(mime);
        if (size > MAX_BYTES) {
            throw new UploadRefusedException("larger (" + size + " bytes) than the " + MAX_BYTES
                    + " bytes Office365 takes as MIME");
        }
        byte[] body = Base64.getEncoder().encode(LineEnds.crlf(Files.readAllBytes(mime)));
        RequestInformation ri = transport.graph().me().mailFolders().byMailFolderId(folderId).messages()
                .toGetRequestInformation(rc -> rc.options.add(GraphCall.once(CREATE)));
        ri.httpMethod = HttpMethod.POST;
        ri.setStreamContent(new ByteArrayInputStream(body), "text/plain");
        HashMap<String, ParsableFactory<? extends Parsable>> errors = new HashMap<>();
        errors.put("XXX", ODataError::createFromDiscriminatorValue);
        String id;
        Flags has;
        try {
            Message made = transport.call(CREATE, () -> transport.graph().getRequestAdapter().send(ri, errors,
                    Message::createFromDiscriminatorValue));
            id = GraphMessages.id(CREATE, made);
            has = GraphMessages.message(CREATE, id, made).flags();
        } catch (GraphStatusException e) {
            if (e.status() == 400 || e.status() == 413) {
                throw new UploadRefusedException(String.valueOf(e.getMessage()), e);
            }
            throw e;
        } catch (MalformedGraphResponse e) {
            // Office365 answered, so the draft may well exist: never sent again.
            throw new UploadOutcomeUnknownException(CREATE + " answered what cannot be read: " + e.getMessage(), e);
        }
        Message patch = GraphMessages.patch(has, flags, now);
        if (patch != null) {
            try {
                transport.call("messages.patch", () -> transport.graph().me().messages().byMessageId(id)
                        .patch(patch, rc -> rc.options.add(GraphCall.json("messages.patch"))));
            } catch (IOException e) {
                // The draft exists: its flags are the cloud's until the user changes them again.
            }
        }
        return id;
    }

}
