package dev.cms.fakecloud;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The requests of the fake Graph that bring in a message the client made: {@code sendMail}
 * (delivered through {@link FakeOutgoing}, a copy kept in Sent Items) and a message created
 * from MIME ({@code POST .../messages}, always a draft). Both are bounded by Graph's request
 * size limit.
 */
final class FakeGraphNewMessages {

    /** Graph's request size limit, which bounds a MIME sendMail (base64) at about 3 MB of message. */
    static final int MAX_REQUEST_BYTES = 4 * 1024 * 1024;

    private final Clock clock;
    private final FakeIdentity identity;
    private final FakeOutgoing outgoing;
    private final SecureRandom random;
    private final AtomicInteger draftsCreated = new AtomicInteger();

    FakeGraphNewMessages(Clock clock, FakeIdentity identity, FakeOutgoing outgoing, SecureRandom random) {
        this.clock = clock;
        this.identity = identity;
        this.outgoing = outgoing;
        this.random = random;
    }

    /** See {@link FakeGraph#draftsCreated()}. */
    int draftsCreated() {
        return draftsCreated.get();
    }

    /**
     * {@code POST /me/sendMail}: the MIME message base64-encoded as {@code text/plain}, or JSON
     * {@code {"message": {...}, "saveToSentItems": true}}. Needs the {@code Mail.Send} permission.
     * Delivers to To/Cc/Bcc (recorded in {@link FakeGraph#outgoing()}), keeps a copy in Sent Items, answers 202.
     */
    FakeMicrosoftResponse sendMail(FakeMicrosoftRequest r, FakeGraphMailbox m) {
        TokenInfo info = identity.tokenInfo(r.header("authorization").substring(7).trim());
        boolean maySend = info != null && info.scopes().stream().anyMatch(sc -> sc.equalsIgnoreCase("Mail.Send")
                || sc.equalsIgnoreCase("https://graph.microsoft.com/Mail.Send")
                || sc.equalsIgnoreCase("https://graph.microsoft.com/.default"));
        if (!maySend) {
            return FakeMicrosoftResponse.graphError(403, "ErrorAccessDenied",
                    "Access is denied. Check credentials and try again.");
        }
        if (r.body().length > MAX_REQUEST_BYTES) {
            return tooLarge();
        }
        String type = r.header("content-type");
        byte[] mime;
        boolean save = true;
        if (type != null && type.toLowerCase(Locale.ROOT).startsWith("text/plain")) {
            try {
                mime = java.util.Base64.getMimeDecoder().decode(r.body());
            } catch (IllegalArgumentException e) {
                return invalidBase64();
            }
            if (mime.length == 0) {
                return FakeMicrosoftResponse.graphError(400, "ErrorMimeContentInvalid", "The MIME content is empty.");
            }
        } else {
            JsonObject body = FakeGraphJson.body(r);
            if (body == null || !body.has("message") || !body.get("message").isJsonObject()) {
                return FakeMicrosoftResponse.graphError(400, "ErrorInvalidRequest",
                        "A message is required (JSON {\"message\": {...}} or base64 MIME as text/plain).");
            }
            save = !body.has("saveToSentItems") || body.get("saveToSentItems").getAsBoolean();
            mime = mimeOf(body.getAsJsonObject("message"), m.upn);
        }
        outgoing.attempt();
        FakeOutgoing.Parsed p = FakeOutgoing.parse(mime);
        if (p.recipients().isEmpty()) {
            return FakeMicrosoftResponse.graphError(400, "ErrorInvalidRecipients",
                    "At least one recipient is required, but none were found.");
        }
        String bad = outgoing.refusedAmong(p.recipients());
        if (bad != null) {
            return FakeMicrosoftResponse.graphError(400, "ErrorInvalidRecipients",
                    "At least one recipient is not valid., Recipient '" + bad + "' is not resolved.");
        }
        if (save) {
            synchronized (m) {
                FakeGraphMailbox.Msg msg = m.add(FakeGraph.folder(m, "sentitems"), mime.clone(),
                        clock.instant().truncatedTo(ChronoUnit.SECONDS));
                msg.isRead = true;
            }
        }
        outgoing.delivered(m.upn, p, r.path());
        return FakeMicrosoftResponse.empty(202);
    }

    /**
     * {@code POST /me/messages} (into Drafts) or {@code POST /me/mailFolders/{id}/messages}: a
     * message created from MIME, base64-encoded as {@code text/plain} (at most 4 MB of request),
     * always as a draft: read, not flagged, with a new id, in the folder's delta. As Exchange does,
     * the stored MIME is not the bytes sent: headers of its own come first. (The JSON form of
     * this call is not faked: 400.) Counted in {@link FakeGraph#draftsCreated()}.
     */
    FakeMicrosoftResponse createDraft(FakeMicrosoftRequest r, FakeGraphMailbox m, String folder) {
        if (r.body().length > MAX_REQUEST_BYTES) {
            return tooLarge();
        }
        String type = r.header("content-type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("text/plain")) {
            return FakeMicrosoftResponse.graphError(400, "BadRequest",
                    "The fake Graph creates messages from base64 MIME (text/plain) only.");
        }
        byte[] mime;
        try {
            mime = java.util.Base64.getMimeDecoder().decode(r.body());
        } catch (IllegalArgumentException e) {
            return invalidBase64();
        }
        if (mime.length == 0 || MimeHeaders.parse(mime).isEmpty()) {
            return FakeMicrosoftResponse.graphError(400, "ErrorMimeContentInvalid", "The MIME content is invalid.");
        }
        byte[] own = "X-MS-Has-Attach: \r\nX-MS-TNEF-Correlator: \r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] stored = java.util.Arrays.copyOf(own, own.length + mime.length);
        System.arraycopy(mime, 0, stored, own.length, mime.length);
        synchronized (m) {
            FakeGraphMailbox.Folder f = m.folder(folder);
            if (f == null) {
                return FakeGraphJson.folderNotFound(folder);
            }
            FakeGraphMailbox.Msg msg = m.add(f, stored, clock.instant().truncatedTo(ChronoUnit.SECONDS));
            msg.isRead = true;
            draftsCreated.incrementAndGet();
            return FakeMicrosoftResponse.json(201, FakeGraphJson.message(msg, null, null));
        }
    }

    private static FakeMicrosoftResponse tooLarge() {
        return FakeMicrosoftResponse.graphError(413, "RequestEntityTooLarge",
                "The maximum request length supported is 4MB.");
    }

    private static FakeMicrosoftResponse invalidBase64() {
        return FakeMicrosoftResponse.graphError(400, "ErrorMimeContentInvalidBase64String",
                "Invalid base64 string for MIME content.");
    }

    /** A MIME message made from Graph's JSON message (subject, body, recipients). */
    private byte[] mimeOf(JsonObject msg, String upn) {
        StringBuilder b = new StringBuilder();
        b.append("From: ").append(upn).append("\r\n");
        for (String[] field : new String[][] {{"toRecipients", "To"}, {"ccRecipients", "Cc"}, {"bccRecipients", "Bcc"}}) {
            if (msg.has(field[0])) {
                List<String> addrs = new ArrayList<>();
                for (JsonElement e : msg.getAsJsonArray(field[0])) {
                    addrs.add(e.getAsJsonObject().getAsJsonObject("emailAddress").get("address").getAsString());
                }
                if (!addrs.isEmpty()) {
                    b.append(field[1]).append(": ").append(String.join(", ", addrs)).append("\r\n");
                }
            }
        }
        if (msg.has("subject")) {
            b.append("Subject: ").append(msg.get("subject").getAsString()).append("\r\n");
        }
        String id = msg.has("internetMessageId") ? msg.get("internetMessageId").getAsString()
                : "<" + Long.toHexString(random.nextLong()) + "@fake.graph>";
        b.append("Message-ID: ").append(id).append("\r\n");
        b.append("Date: ").append(java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                clock.instant().atZone(java.time.ZoneOffset.UTC))).append("\r\n");
        String content = "";
        String ctype = "text";
        if (msg.has("body") && msg.get("body").isJsonObject()) {
            JsonObject body = msg.getAsJsonObject("body");
            content = body.has("content") ? body.get("content").getAsString() : "";
            ctype = body.has("contentType") ? body.get("contentType").getAsString() : "text";
        }
        b.append("Content-Type: ").append(ctype.equalsIgnoreCase("html") ? "text/html" : "text/plain")
                .append("; charset=utf-8\r\n\r\n");
        b.append(content.replace("\r\n", "\n").replace("\n", "\r\n"));
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}
