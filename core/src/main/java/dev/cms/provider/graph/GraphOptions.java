package dev.cms.provider.graph;

import dev.cms.time.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Tuning of a {@link GraphMailbox}: how many requests may be in flight at once for the
 * mailbox (Outlook allows 4 per mailbox and application), the HTTP timeouts, the ticker (clocks and sleeping) and
 * random source used for backoff, and an optional TLS setup (both null: the JVM default).
 */
public record GraphOptions(int maxConcurrency, Duration connectTimeout, Duration readTimeout, Ticker ticker,
                           Random jitter, @Nullable SSLSocketFactory sslSocketFactory,
                           @Nullable X509TrustManager trustManager) {
    public GraphOptions {
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("maxConcurrency must be at least 1: " + maxConcurrency);
        }
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(readTimeout, "readTimeout");
        Objects.requireNonNull(ticker, "ticker");
        Objects.requireNonNull(jitter, "jitter");
        if ((sslSocketFactory == null) != (trustManager == null)) {
            throw new IllegalArgumentException("sslSocketFactory and trustManager must be given together");
        }
    }

    /** 30 s to connect, 120 s between reads, the system clocks, the JVM's TLS. */
    public static GraphOptions defaults(int maxConcurrency) {
        return new GraphOptions(maxConcurrency, Duration.ofSeconds(30), Duration.ofSeconds(120), Ticker.SYSTEM,
                new Random(), null, null);
    }

    /** The same options with another TLS setup (a test server's trust, say). */
    public GraphOptions withTls(SSLSocketFactory factory, X509TrustManager trust) {
        return new GraphOptions(maxConcurrency, connectTimeout, readTimeout, ticker, jitter, factory, trust);
    }

    /** The same options on another clock (a test's fake). */
    public GraphOptions withTicker(Ticker other) {
        return new GraphOptions(maxConcurrency, connectTimeout, readTimeout, other, jitter, sslSocketFactory,
                trustManager);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }
}
