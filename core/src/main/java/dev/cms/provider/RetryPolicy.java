package dev.cms.provider;

import dev.cms.time.Ticker;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import java.util.Objects;
import java.util.Random;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one attempt loop of both cloud transports (Gmail and Microsoft Graph). Each service's
 * {@link RetryClassifier} reads a failure; this loop acts on it the same way for both:
 *
 * <ul>
 *   <li>at most {@link #MAX_ATTEMPTS} attempts per call; the retry after a token refresh is not
 *       counted;</li>
 *   <li>HTTP 401: the token is replaced once ({@link AccessTokenSource#replaceRejected}: all the
 *       requests of an account refused the same token share one refresh); a second 401 is an
 *       {@link AuthenticationRequiredException};</li>
 *   <li>a retried answer carrying {@code Retry-After} (delta seconds or an HTTP date) waits that
 *       long, at most {@link #RETRY_AFTER_CAP}; otherwise the wait is an exponential backoff of
 *       {@link #BACKOFF_BASE} × 2^(n-1) with jitter (a factor in [0.5, 1)), at most
 *       {@link #BACKOFF_CAP};</li>
 *   <li>a dropped connection, a timeout or a broken TLS stream is retried with backoff; a failed
 *       TLS handshake or an unverified certificate fails at once (a retry meets the same
 *       certificate).</li>
 * </ul>
 *
 * <p>Sleeping goes through the {@link Ticker}, so tests see every wait and never sleep.
 */
public final class RetryPolicy {
    private static final Logger log = LoggerFactory.getLogger(RetryPolicy.class);

    public static final int MAX_ATTEMPTS = 6;
    public static final Duration BACKOFF_BASE = Duration.ofSeconds(1);
    public static final Duration BACKOFF_CAP = Duration.ofMinutes(5);
    /** Outlook's throttling window is 10 minutes: no honest Retry-After asks for more. */
    public static final Duration RETRY_AFTER_CAP = Duration.ofMinutes(10);

    /** One attempt of a call with {@code token} as the bearer token; a failure is thrown. */
    @FunctionalInterface
    public interface Attempt<T> {
        T send(String token) throws IOException, InterruptedException;
    }

    /** How a transport spaces its attempts beyond this loop's waits (a quota, a mailbox-wide pause). */
    public interface Pacing {
        Pacing NONE = new Pacing() { };

        /** Runs before every attempt, before the token is taken. */
        default void beforeAttempt() throws InterruptedException {}

        /**
         * The service asked to wait {@code wait} before the next attempt; true when the pacing
         * takes care of that wait itself (in {@link #beforeAttempt}), false to let the loop sleep.
         */
        default boolean holdBack(Duration wait) {
            return false;
        }
    }

    private final String service;
    private final String user;
    private final AccessTokenSource tokens;
    private final RetryClassifier classifier;
    private final Ticker ticker;
    private final Random jitter;

    /**
     * @param service the service's name in logs and errors ({@code Gmail}, {@code Office365})
     * @param user the account, in logs and errors
     */
    public RetryPolicy(String service, String user, AccessTokenSource tokens, RetryClassifier classifier,
                       Ticker ticker, Random jitter) {
        this.service = Objects.requireNonNull(service, "service");
        this.user = Objects.requireNonNull(user, "user");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.jitter = Objects.requireNonNull(jitter, "jitter");
    }

    /** Runs {@code attempt} (named {@code call} in logs and errors) until it succeeds or a failure is final. */
    public <T> T run(String call, Pacing pacing, Attempt<T> attempt) throws IOException, InterruptedException {
        String rejected = null;
        boolean refreshed = false;
        int n = 1;
        while (true) {
            pacing.beforeAttempt();
            // After a 401: the token another request already got in its place, or one refresh.
            String token = rejected == null ? tokens.accessToken(false) : tokens.replaceRejected(rejected);
            rejected = null;
            IOException failure;
            try {
                return attempt.send(token);
            } catch (IOException e) {
                failure = e;
            }
            if (failure instanceof InterruptedIOException && Thread.currentThread().isInterrupted()) {
                InterruptedException ie = new InterruptedException("interrupted during " + service + " " + call);
                ie.initCause(failure);
                throw ie;
            }
            RetryVerdict v = classifier.classify(new RetryClassifier.Attempt(service, call, user, ticker.now()), failure);
            if (v.kind() == RetryVerdict.Kind.FAIL) {
                throw v.error();
            }
            if (v.kind() == RetryVerdict.Kind.REFRESH_TOKEN) {
                if (refreshed) {
                    throw new AuthenticationRequiredException(
                            service + " refused the credentials for " + user + "; a new login is needed");
                }
                log.info("{} {} for {}: HTTP 401, refreshing the access token", service, call, user);
                refreshed = true;
                rejected = token;
                continue;
            }
            if (n >= MAX_ATTEMPTS) {
                throw new IOException(service + " " + call + " for " + user + " failed after " + n + " attempts: "
                        + v.summary(), failure);
            }
            Duration wait = v.asked() != null ? v.asked() : backoff(n);
            log.info("{} {} for {} failed ({}); retrying in {} ms (attempt {} of {})",
                    service, call, user, v.summary(), wait.toMillis(), n + 1, MAX_ATTEMPTS);
            if (v.asked() == null || !pacing.holdBack(wait)) {
                ticker.sleep(wait);
            }
            n++;
        }
    }

    /** The wait before retry number {@code attempt} (1 after the first failure) when the service asked none. */
    public Duration backoff(int attempt) {
        return RetryTiming.backoff(attempt, BACKOFF_BASE, BACKOFF_CAP, jitter);
    }

    /**
     * What a {@code Retry-After} value asks for, read at {@code now} (an HTTP date is measured
     * from it), capped at {@link #RETRY_AFTER_CAP}; null when there is no usable value.
     */
    public static @Nullable Duration retryAfter(@Nullable String value, Instant now) {
        return RetryTiming.retryAfter(value, now, RETRY_AFTER_CAP).orElse(null);
    }

    /**
     * The shared reading of a network failure of {@code attempt}: a failed TLS handshake or an
     * unverified certificate fails at once, anything else (reset, timeout, a TLS stream broken
     * off) is retried with backoff.
     */
    public static RetryVerdict network(RetryClassifier.Attempt attempt, IOException e) {
        if (e instanceof SSLHandshakeException || e instanceof SSLPeerUnverifiedException) {
            return RetryVerdict.fail(new IOException(attempt.what() + ": TLS failure: " + e.getMessage(), e));
        }
        return RetryVerdict.retry(null, inWords(e));
    }

    /**
     * Whether an HTTP {@code status} may come after the service carried the request out (500,
     * 502, 504): a call that creates something is not sent again after it. 429 and 503 refuse a
     * request before any work.
     */
    public static boolean mayHaveActed(int status) {
        return status == 500 || status == 502 || status == 504;
    }

    /** A network failure in words, without Java class names (the exception stays the cause). */
    public static String inWords(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.net.SocketTimeoutException) {
            return "no answer in time (" + (m == null ? "timed out" : m) + ")";
        }
        if (e instanceof java.net.ConnectException) {
            return "cannot connect" + (m == null ? "" : " (" + m + ")");
        }
        if (e instanceof java.net.UnknownHostException) {
            return "unknown host " + m;
        }
        if (e instanceof java.io.EOFException || e instanceof java.net.SocketException) {
            return "the connection broke off" + (m == null ? "" : " (" + m + ")");
        }
        return m == null || m.isBlank() ? "a network error" : m;
    }
}
