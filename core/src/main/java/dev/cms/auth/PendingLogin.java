package dev.cms.auth;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** One login queued on the {@link LoginServer}, waiting for the browser to come back. */
public final class PendingLogin {
    private final LoginServer owner;
    private final String accountLabel;
    private final String redirectPath;
    private final String state;
    private final URI authorizationUrl;
    private final CompletableFuture<Map<String, String>> result = new CompletableFuture<>();

    PendingLogin(LoginServer owner, String accountLabel, String redirectPath, String state, URI authorizationUrl) {
        this.owner = owner;
        this.accountLabel = accountLabel;
        this.redirectPath = redirectPath;
        this.state = state;
        this.authorizationUrl = authorizationUrl;
    }

    public String accountLabel() {
        return accountLabel;
    }

    String redirectPath() {
        return redirectPath;
    }

    String state() {
        return state;
    }

    URI authorizationUrl() {
        return authorizationUrl;
    }

    /**
     * Waits for the redirect and returns the parameters of the callback whose path and state
     * matched (it contains "code", maybe "session_state" and others). When the time runs out the
     * login is withdrawn from the server (the browser can no longer complete it).
     *
     * @throws LoginFailedException when the provider answered with an error, nobody logged in
     *     within {@code timeout}, or the login was cancelled or its server closed
     */
    public Map<String, String> await(Duration timeout) throws LoginFailedException, InterruptedException {
        try {
            return outcome(timeout);
        } catch (TimeoutException e) {
            owner.withdraw(this, new LoginFailedException(
                    "no login within " + describe(timeout) + " for " + accountLabel));
            try {
                return outcome(Duration.ZERO);
            } catch (TimeoutException impossible) {
                throw new IllegalStateException("withdrawn login for " + accountLabel + " is not finished", impossible);
            }
        }
    }

    /** Withdraws the login; a waiting {@link #await} throws {@link LoginFailedException}. */
    public void cancel() {
        owner.withdraw(this, new LoginFailedException("the login for " + accountLabel + " was cancelled"));
    }

    /** Completes with the callback's parameters; false when already finished. */
    boolean complete(Map<String, String> params) {
        return result.complete(params);
    }

    boolean fail(LoginFailedException e) {
        return result.completeExceptionally(e);
    }

    boolean isDone() {
        return result.isDone();
    }

    private Map<String, String> outcome(Duration timeout)
            throws LoginFailedException, InterruptedException, TimeoutException {
        try {
            if (timeout.isZero() || timeout.isNegative()) {
                if (!result.isDone()) {
                    throw new TimeoutException();
                }
                return result.get();
            }
            return result.get(saturatedNanos(timeout), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof LoginFailedException failed) {
                throw failed;
            }
            throw new IllegalStateException("login for " + accountLabel + " ended unexpectedly", e.getCause());
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    static String describe(Duration d) {
        long seconds = d.toSeconds();
        if (seconds >= 60 && seconds % 60 == 0) {
            return seconds / 60 + " min";
        }
        return seconds > 0 ? seconds + " s" : d.toMillis() + " ms";
    }

    @Override
    public String toString() {
        return "PendingLogin[" + accountLabel + " via " + redirectPath + "]"; // never the state
    }
}
