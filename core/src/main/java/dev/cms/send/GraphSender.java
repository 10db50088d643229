package dev.cms.send;

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
 * Sends through Microsoft Graph: {@code POST /me/sendMail} with the MIME message base64-encoded
 * as {@code text/plain}; Exchange delivers to the {@code To:}, {@code Cc:} and {@code Bcc:}
 * addresses and saves the message to Sent Items. The Sent Items search is a {@code $filter} on
 * {@code internetMessageId}.
 */
public final class GraphSender extends HttpSender {
    private final String root;

    /** @param graphEndpoint the Graph root ({@code https://graph.microsoft.com}); {@code tls} null for the JVM's */
    public GraphSender(String accountKey, String graphEndpoint, AccessTokenSource tokens, @Nullable SSLContext tls) {
        super(accountKey, tokens, tls);
        this.root = graphEndpoint.endsWith("/") ? graphEndpoint.substring(0, graphEndpoint.length() - 1)
                : graphEndpoint;
    }

    @Override
    public void send(byte[] message) throws SendException, InterruptedException {
        byte[] body = Base64.getEncoder().encode(message);
        Answer a = exchange(token -> HttpRequest.newBuilder(uri(root + "/v1.0/me/sendMail"))
                .timeout(SEND_TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), true);
        if (a.status() / 100 != 2) {
            throw classify(a, "Graph sendMail");
        }
    }

    @Override
    public boolean inSent(String messageId) throws SendException, InterruptedException {
        String filter = "internetMessageId eq '" + messageId.replace("'", "''") + "'";
        String url = root + "/v1.0/me/mailFolders/sentitems/messages?$filter="
                + URLEncoder.encode(filter, StandardCharsets.UTF_8).replace("+", "%20") + "&$select=id&$top=1";
        Answer a = exchange(token -> HttpRequest.newBuilder(uri(url)).timeout(SEARCH_TIMEOUT)
                .header("Authorization", "Bearer " + token).GET().build(), false);
        if (a.status() != 200) {
            throw new SendException(SendException.Kind.NOT_SENT, "searching Sent Items for " + messageId
                    + ": HTTP " + a.status() + " " + errorMessage(a), retryAfter(a));
        }
        try {
            JsonElement value = JsonParser.parseString(a.body()).getAsJsonObject().get("value");
            return value != null && value.isJsonArray() && value.getAsJsonArray().size() > 0;
        } catch (RuntimeException e) {
            throw new SendException(SendException.Kind.NOT_SENT, "searching Sent Items for " + messageId
                    + ": the answer is not the JSON expected", e);
        }
    }

    @Override
    SendException forbidden(Answer a, String msg) {
        return new SendException(SendException.Kind.NOT_SENT, "the login of " + accountKey() + " does not allow"
                + " sending (Graph permission Mail.Send is needed; log in again to grant it): " + msg,
                (Duration) null);
    }

    @Override
    String errorMessage(Answer a) {
        try {
            JsonObject err = JsonParser.parseString(a.body()).getAsJsonObject().getAsJsonObject("error");
            String code = err.has("code") ? err.get("code").getAsString() : "";
            String text = err.has("message") ? err.get("message").getAsString() : "";
            return (code + " " + firstLine(text)).strip();
        } catch (RuntimeException e) {
            return firstLine(a.body());
        }
    }
}
