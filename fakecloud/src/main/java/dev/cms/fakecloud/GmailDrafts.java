package dev.cms.fakecloud;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Base64;
import java.util.Set;

/**
 * {@code users.drafts.create} of the fake Gmail, as Google documents it: "Creates a new draft
 * with the DRAFT label". The draft's message is given as a {@code Draft} resource,
 * {@code {"message": {"raw": base64url}}}, at {@code /gmail/v1/users/{userId}/drafts}, or through
 * the upload URI {@code /upload/gmail/v1/users/{userId}/drafts} ({@code uploadType=media}: the
 * message is the body; {@code multipart}: the {@code Draft} as JSON, then the message). The
 * message gets a new id, the label {@code DRAFT} and nothing else (a draft's message carries no
 * other label), the creation time as its internal date, and a {@code messageAdded} history record,
 * so {@code messages.list}, {@code messages.get} and {@code history.list} show it like any message.
 * The answer is the {@code Draft}: its id ({@code r} and digits) and its message's id, thread and
 * labels. A request without a message is refused (400 "Missing draft message").
 */
final class GmailDrafts {
    static final String DRAFT = "DRAFT";
    /** The scopes Google lists for drafts.create. */
    static final Set<String> SCOPES = Set.of(FakeGmail.FULL_SCOPE, "https://www.googleapis.com/auth/gmail.modify",
            "https://www.googleapis.com/auth/gmail.compose");
    /** The largest request through the metadata URI, and the largest message through the upload URI. */
    static final int MAX_JSON_BYTES = 5 * 1024 * 1024 + 2 * 1024 * 1024;
    static final int MAX_UPLOAD_BYTES = 35 * 1024 * 1024;

    private GmailDrafts() {}

    /** Creates the draft that authorised request {@code r} asks for in {@code box}, at {@code now}. */
    static Response create(Request r, FakeGmailMailbox box, long now) {
        byte[] raw;
        boolean upload = r.path().startsWith("/upload/");
        try {
            if (!upload) {
                if (r.body().length > MAX_JSON_BYTES) {
                    return Response.googleError(413, "uploadTooLarge", "Request payload size exceeds the limit");
                }
                raw = rawOf(JsonParser.parseString(r.bodyText()).getAsJsonObject());
            } else {
                java.util.Optional<byte[]> sent = FakeGmail.uploaded(r);
                if (sent.isEmpty()) {
                    return Response.googleError(400, "badRequest", "uploadType must be media or multipart");
                }
                raw = sent.get();
            }
        } catch (RuntimeException e) {
            return Response.googleError(400, "invalidArgument", "Invalid request body: " + e.getMessage());
        }
        if (raw.length == 0) {
            return Response.googleError(400, "invalidArgument", "Missing draft message");
        }
        if (raw.length > MAX_UPLOAD_BYTES) {
            return Response.googleError(413, "uploadTooLarge", "Message too large: the limit is 35 MB");
        }
        String id = box.addMessage(raw, now, Set.of(DRAFT));
        JsonObject message = new JsonObject();
        message.addProperty("id", id);
        message.addProperty("threadId", id);
        JsonArray labels = new JsonArray();
        labels.add(DRAFT);
        message.add("labelIds", labels);
        JsonObject draft = new JsonObject();
        draft.addProperty("id", draftId(id));
        draft.add("message", message);
        return Response.json(200, draft);
    }

    /** The id of the draft whose message is {@code messageId}: {@code r} and the id's digits. */
    static String draftId(String messageId) {
        return "r" + Long.toUnsignedString(Long.parseUnsignedLong(messageId, 16));
    }

    /** The message bytes of a {@code Draft} resource; empty when it holds none. */
    private static byte[] rawOf(JsonObject draft) {
        if (!draft.has("message") || !draft.get("message").isJsonObject()) {
            return new byte[0];
        }
        JsonObject m = draft.getAsJsonObject("message");
        if (!m.has("raw")) {
            return new byte[0];
        }
        return Base64.getUrlDecoder().decode(m.get("raw").getAsString().replace('+', '-').replace('/', '_')
                .replace("=", ""));
    }
}
