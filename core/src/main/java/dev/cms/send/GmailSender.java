package dev.cms.send;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cms.provider.AccessTokenSource;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * Sends through the Gmail API: {@code messages.send} with the message as base64url {@code raw}
 * JSON, or through the upload form ({@code uploadType=media}, {@code message/rfc822}) for a
 * message over {@value #JSON_LIMIT} bytes; Gmail delivers to the {@code To:}, {@code Cc:} and
 * {@code Bcc:} addresses and labels its copy {@code SENT}. The search is
 * {@code messages.list?q=rfc822msgid:...}.
 */
public final class GmailSender extends HttpSender {
    /** Above this the message goes through the upload form. */
    static final int JSON_LIMIT = 5 * 1024 * 1024;
    private final String root;

    /** @param apiEndpoint the API root ({@code https://gmail.googleapis.com/}) */
    public GmailSender(String accountKey, String apiEndpoint, AccessTokenSource tokens, @Nullable SSLContext tls) {
        super(accountKey, tokens, tls);
        this.root = apiEndpoint.endsWith("/") ? apiEndpoint : apiEndpoint + "/";
    }

    @Override
    public void send(byte[] message) throws SendException, InterruptedException {
        Answer a;
        if (message.length <= JSON_LIMIT) {
            JsonObject o = new JsonObject();
            o.addProperty("raw", Base64.getUrlEncoder().withoutPadding().encodeToString(message));
            byte[] body = o.toString().getBytes(StandardCharsets.UTF_8);
            a = exchange(token -> HttpRequest.newBuilder(uri(root + "gmail/v1/users/me/messages/send"))
                    .timeout(SEND_TIMEOUT)
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json; charset=UTF-8")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), true);
        } else {
            a = exchange(token -> HttpRequest.newBuilder(
                            uri(root + "upload/gmail/v1/users/me/messages/send?uploadType=media"))
                    .timeout(SEND_TIMEOUT)
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "message/rfc822")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(message)).build(), true);
        }
        if (a.status() / 100 != 2) {
            throw classify(a, "Gmail messages.send");
        }
    }

    @Override
    public boolean inSent(String messageId) throws SendException, InterruptedException {
        String id = messageId.strip();
        if (id.startsWith("<") && id.endsWith(">")) {
            id = id.substring(1, id.length() - 1);
        }
        String url = root + "gmail/v1/users/me/messages?maxResults=1&includeSpamTrash=true&q="
                + URLEncoder.encode("rfc822msgid:" + id, StandardCharsets.UTF_8);
        Answer a = exchange(token -> HttpRequest.newBuilder(uri(url)).timeout(SEARCH_TIMEOUT)
                .header("Authorization", "Bearer " + token).GET().build(), false);
        if (a.status() != 200) {
            throw new SendException(SendException.Kind.NOT_SENT, "searching Gmail for " + messageId + ": HTTP "
                    + a.status() + " " + errorMessage(a), retryAfter(a));
        }
        try {
            JsonElement messages = JsonParser.parseString(a.body()).getAsJsonObject().get("messages");
            return messages != null && messages.isJsonArray() && messages.getAsJsonArray().size() > 0;
        } catch (RuntimeException e) {
            throw new SendException(SendException.Kind.NOT_SENT, "searching Gmail for " + messageId
                    + ": the answer is not the JSON expected", e);
        }
    }

    @Override
    SendException forbidden(Answer a, String msg) {
        if (a.body().contains("insufficientPermissions") || a.body().contains("ACCESS_TOKEN_SCOPE_INSUFFICIENT")) {
            return new SendException(SendException.Kind.NOT_SENT, "the login of " + accountKey() + " does not allow"
                    + " sending (scope gmail.modify or gmail.send is needed; log in again to grant it): " + msg,
                    (Duration) null);
        }
        // Rate and sending limits answer 403 too: the message is fine, later may work.
        return new SendException(SendException.Kind.NOT_SENT, msg, retryAfter(a));
    }

    @Override
    String errorMessage(Answer a) {
        try {
            JsonObject err = JsonParser.parseString(a.body()).getAsJsonObject().getAsJsonObject("error");
            String reason = "";
            JsonArray errors = err.has("errors") ? err.getAsJsonArray("errors") : null;
            if (errors != null && errors.size() > 0 && errors.get(0).getAsJsonObject().has("reason")) {
                reason = errors.get(0).getAsJsonObject().get("reason").getAsString();
            }
            String text = err.has("message") ? err.get("message").getAsString() : "";
            return (reason + " " + firstLine(text)).strip();
        } catch (RuntimeException e) {
            return firstLine(a.body());
        }
    }
}
