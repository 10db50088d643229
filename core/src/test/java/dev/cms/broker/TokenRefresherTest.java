package dev.cms.broker;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.provider.AuthenticationRequiredException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TokenRefresherTest {
    private static final String ALICE = "alice@example.com";

    private final HandRun time = new HandRun();
    private final Issuer issuer = new Issuer();
    private final TokenRefresher refresher = new TokenRefresher(issuer, time.ticker, time.scheduler);

    @AfterEach
    void close() {
        refresher.close();
    }

    /** Issues {@code t<n>} tokens living {@link #lifetime}, holding one while it has what is asked left. */
    private final class Issuer implements TokenProvider {
        volatile Duration lifetime = Duration.ofHours(1);
        volatile IOException failure;
        volatile boolean reportExpiry = true;
        final List<Duration> asked = new CopyOnWriteArrayList<>();
        int issued;
        String held;
        Instant heldUntil = Instant.MIN;

        @Override
        public String token(String user, String protocol, Duration minValidity) {
            throw new AssertionError("the refresher calls fetch");
        }

        @Override
        public synchronized Token fetch(String user, String protocol, Duration minValidity) throws IOException {
            asked.add(minValidity);
            if (failure != null) {
                throw failure;
            }
            if (held == null || !time.instant().plus(minValidity).isBefore(heldUntil)) {
                held = "t" + ++issued;
                heldUntil = time.instant().plus(lifetime);
            }
            return new Token(held, reportExpiry ? heldUntil : null);
        }

        synchronized Duration left(String token) {
            assertEquals(held, token, "not the newest token");
            return Duration.between(time.instant(), heldUntil);
        }
    }

    @Test
    void hourLongTokensAreServedFromMemoryAndRefreshedInTheBackgroundTenMinutesBeforeExpiry() throws Exception {
        assertEquals("t1", refresher.token(ALICE, "SMTP"));
        assertEquals(List.of(Duration.ofMinutes(10)), issuer.asked);

        time.advance(Duration.ofMinutes(49));
        assertEquals("t1", refresher.token(ALICE, "SMTP"), "11 min left: from memory");
        assertEquals(1, issuer.asked.size());

        time.advance(Duration.ofMinutes(1)); // 10 min left: the background refresh is due
        assertEquals(2, issuer.asked.size());
        assertEquals(2, issuer.issued);
        assertEquals("t2", refresher.token(ALICE, "SMTP"));
        assertEquals(2, issuer.asked.size(), "the request was answered from memory");
    }

    @Test
    void sixtySecondTokensAreServedWithAThirdOfTheirLifetimeLeft() throws Exception {
        issuer.lifetime = Duration.ofSeconds(60);
        for (int i = 0; i < 120; i++) { // ten minutes in steps of 5 s
            String token = refresher.token(ALICE, "IMAP");
            assertTrue(issuer.left(token).compareTo(Duration.ofSeconds(20)) > 0,
                    "at step " + i + " only " + issuer.left(token) + " left");
            time.advance(Duration.ofSeconds(5));
        }
        // One fetch per 20 s (a fresh token is refreshed with 40 s left), plus the first one.
        assertTrue(issuer.issued >= 30 && issuer.issued <= 32, "issued " + issuer.issued);
        assertEquals(issuer.issued, issuer.asked.size());
        assertEquals(Duration.ofSeconds(40), issuer.asked.get(issuer.asked.size() - 1));
    }

    @Test
    void requestsOnlyFetchTheFirstTokenWhenTheBackgroundKeepsUp() throws Exception {
        issuer.lifetime = Duration.ofSeconds(60);
        refresher.token(ALICE, "SMTP");
        long background = 0;
        for (int i = 0; i < 100; i++) {
            long before = time.ran();
            time.advance(Duration.ofSeconds(3));
            background += time.ran() - before;
            long fetches = refresher.fetches();
            refresher.token(ALICE, "SMTP");
            assertEquals(fetches, refresher.fetches(), "request " + i + " fetched a token itself");
        }
        assertEquals(refresher.fetches() - 1, background);
    }

    @Test
    void lifetimeGrowingAgainRestoresFiveMinutes() throws Exception {
        issuer.lifetime = Duration.ofSeconds(60);
        refresher.token(ALICE, "SMTP");
        issuer.lifetime = Duration.ofHours(1);
        time.advance(Duration.ofSeconds(20)); // background refresh: an hour-long token
        assertEquals(2, issuer.issued);
        time.advance(Duration.ofSeconds(60));
        int fetches = issuer.asked.size();
        String token = refresher.token(ALICE, "SMTP");
        assertEquals(fetches, issuer.asked.size());
        assertTrue(issuer.left(token).compareTo(Duration.ofMinutes(5)) > 0);
        time.advance(Duration.ofMinutes(40));
        assertEquals(fetches, issuer.asked.size(), "no refresh until 10 min are left");
        time.advance(Duration.ofMinutes(9));
        assertEquals(fetches + 1, issuer.asked.size());
        assertEquals(Duration.ofMinutes(10), issuer.asked.get(issuer.asked.size() - 1));
    }

    @Test
    void failedBackgroundRefreshIsRetriedWhileTheHeldTokenStillServes() throws Exception {
        refresher.token(ALICE, "SMTP");
        issuer.failure = new IOException("network down");
        time.advance(Duration.ofMinutes(50)); // refresh due, fails
        int attempts = issuer.asked.size();
        assertEquals("t1", refresher.token(ALICE, "SMTP"), "10 min left is still servable");
        assertEquals(attempts, issuer.asked.size());
        time.advance(Duration.ofSeconds(31));
        assertTrue(issuer.asked.size() > attempts, "retried within 30 s");
        issuer.failure = null;
        time.advance(Duration.ofSeconds(31));
        assertEquals("t2", refresher.token(ALICE, "SMTP"));
    }

    @Test
    void backgroundRefreshStopsWhenALoginIsNeededAndTheNextRequestTriesAgain() throws Exception {
        refresher.token(ALICE, "SMTP");
        issuer.failure = new AuthenticationRequiredException("log in again");
        time.advance(Duration.ofMinutes(50));
        assertEquals(0, time.pending(), "no background retries while a login is needed");
        time.advance(Duration.ofMinutes(6)); // 4 min left: not servable
        assertThrows(AuthenticationRequiredException.class, () -> refresher.token(ALICE, "SMTP"));
        issuer.failure = null;
        assertEquals("t2", refresher.token(ALICE, "SMTP"));
        assertEquals(1, time.pending());
    }

    @Test
    void tokenWithoutKnownExpiryIsTakenAsValidForWhatWasAsked() throws Exception {
        issuer.reportExpiry = false;
        assertEquals("t1", refresher.token(ALICE, "SMTP"));
        time.advance(Duration.ofMinutes(2));
        assertEquals("t1", refresher.token(ALICE, "SMTP"));
        assertEquals(1, issuer.asked.size());
        // Refreshed when half of the 5 min it may serve are gone: 7.5 min of the 10 assumed are left.
        time.advance(Duration.ofMinutes(1));
        assertEquals(2, issuer.asked.size());
        assertEquals("t1", refresher.token(ALICE, "SMTP"), "the issuer still held t1 with 57 min left");
        assertEquals(1, time.pending());
    }

    @Test
    void protocolsAndUsersAreKeptApart() throws Exception {
        String smtp = refresher.token(ALICE, "SMTP");
        issuer.held = null;
        String imap = refresher.token(ALICE, "IMAP");
        assertNotEquals(smtp, imap);
        assertEquals(smtp, refresher.token(ALICE, "SMTP"));
        assertEquals(2, time.pending());
    }

    @Test
    void tokenTooCloseToExpiryIsRefused() throws Exception {
        TokenProvider expired = new TokenProvider() {
            @Override
            public String token(String user, String protocol, Duration minValidity) {
                return "x";
            }

            @Override
            public Token fetch(String user, String protocol, Duration minValidity) {
                return new Token("stale", time.instant().minusSeconds(1));
            }
        };
        try (TokenRefresher stale = new TokenRefresher(expired, time.ticker, time.scheduler)) {
            IOException e = assertThrows(IOException.class, () -> stale.token(ALICE, "SMTP"));
            assertThatText(e.getMessage()).contains("0 s left");
        }
    }
}
