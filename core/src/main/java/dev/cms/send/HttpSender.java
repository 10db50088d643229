package dev.cms.send;

import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.AuthenticationRequiredException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP of sending, shared by {@link GraphSender} and {@link GmailSender}: one request with a
 * bearer token (a 401 refreshes it once), and the answer classified for the outbox. It makes one
 * attempt per call: waiting and trying again is the {@link OutboxWorker}'s.
 */
abstract class HttpSender implements MailSender {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
    /** Long enough to upload 35 MB on a slow line; a send that takes longer counts as perhaps sent. */
    static final Duration SEND_TIMEOUT = Duration.ofMinutes(5);
    static final Duration SEARCH_TIMEOUT = Duration.ofSeconds(60);

    private final String accountKey;
    private final AccessTokenSource tokens;
    private final HttpClient http;

    HttpSender(String accountKey, AccessTokenSource tokens, @Nullable SSLContext tls) {
        this.accountKey = accountKey;
        this.tokens = tokens;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1);
        if (tls != null) {
            b.sslContext(tls);
        }
        this.http = b.build();
    }

    @Override
    public String accountKey() {
        return accountKey;
    }

    /** A response's status, headers and body (bounded: only error messages are read from it). */
    record Answer(int status, String body, HttpResponse<String> raw) {}

    /**
     * Sends the request {@code build} makes with a token; a 401 gets one fresh token and one more
     * try (a 401 means the service did nothing).
     *
     * @param sending whether a lost answer leaves the message perhaps sent
     */
    Answer exchange(Function<String, HttpRequest> build, boolean sending) throws SendException, InterruptedException {
        String token = token(false, null);
        Answer a = once(build.apply(token), sending);
        if (a.status() == 401) {
            token = token(true, token);
            a = once(build.apply(token), sending);
            if (a.status() == 401) {
                throw new SendException(SendException.Kind.NOT_SENT, "the service refused " + accountKey
                        + "'s fresh token (HTTP 401): " + errorMessage(a), (Duration) null);
            }
        }
        return a;
    }

    private String token(boolean refresh, @Nullable String rejected) throws SendException, InterruptedException {
        try {
            return refresh ? tokens.replaceRejected(java.util.Objects.requireNonNull(rejected, "the rejected token"))
                    : tokens.accessToken(false);
        } catch (AuthenticationRequiredException e) {
            throw new SendException(SendException.Kind.NOT_SENT, accountKey + " needs a login: " + e.getMessage(),
                    (Duration) null);
        } catch (IOException e) {
            throw new SendException(SendException.Kind.NOT_SENT, "no token for " + accountKey + ": " + e.getMessage(),
                    e);
        }
    }

    private Answer once(HttpRequest request, boolean sending) throws SendException, InterruptedException {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Answer(r.statusCode(), r.body() == null ? "" : r.body(), r);
        } catch (HttpConnectTimeoutException | ConnectException e) {
            // Nothing reached the service.
            throw new SendException(SendException.Kind.NOT_SENT, "cannot connect to " + request.uri().getHost()
                    + ": " + describe(e), e);
        } catch (IOException e) {
            throw new SendException(sending ? SendException.Kind.UNKNOWN : SendException.Kind.NOT_SENT,
                    "no answer from " + request.uri().getHost() + ": " + describe(e), e);
        }
    }

    /**
     * The outbox's view of a non-2xx answer to a send: throttling and unavailability are
     * certainly not sent, other server errors perhaps sent, client errors refused for good.
     */
    SendException classify(Answer a, String what) {
        int s = a.status();
        String msg = what + ": HTTP " + s + " " + errorMessage(a);
        if (s == 429 || s == 503) {
            return new SendException(SendException.Kind.NOT_SENT, msg, retryAfter(a));
        }
        if (s >= 500) {
            return new SendException(SendException.Kind.UNKNOWN, msg, retryAfter(a));
        }
        if (s == 403) {
            return forbidden(a, msg);
        }
        if (s == 408) {
            return new SendException(SendException.Kind.UNKNOWN, msg, (Duration) null);
        }
        return new SendException(SendException.Kind.REFUSED, msg, (Duration) null);
    }

    /** A 403: a missing permission (a new login helps) or a quota; never the message's fault. */
    abstract SendException forbidden(Answer a, String msg);

    /** The service's error message from a JSON error body, else the body's start. */
    abstract String errorMessage(Answer a);

    static @Nullable Duration retryAfter(Answer a) {
        String v = a.raw().headers().firstValue("Retry-After").orElse(null);
        if (v == null) {
            return null;
        }
        try {
            long s = Long.parseLong(v.strip());
            return Duration.ofSeconds(Math.max(0, Math.min(s, 3600)));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : " (" + m + ")");
    }

    static String firstLine(String body) {
        String b = body.strip();
        int nl = b.indexOf('\n');
        if (nl >= 0) {
            b = b.substring(0, nl);
        }
        return b.length() > 300 ? b.substring(0, 300) + "..." : b;
    }

    static URI uri(String s) {
        return URI.create(s);
    }
}
