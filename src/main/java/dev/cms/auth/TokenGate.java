package dev.cms.auth;

import dev.cms.provider.AuthenticationRequiredException;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The one gate of an account's token source, shared by the Gmail and Office365 sources: at most
 * one refresh or login runs at a time for the account (single flight), and whoever arrives
 * meanwhile waits for it and then uses the token it brought rather than refreshing again.
 *
 * <p>A caller whose token the service refused (HTTP 401) names that token ({@link #replace}): when
 * the token held by then is another one, a refresh already replaced it and the caller gets that
 * one, however late its 401 came back. The token broker, which must answer at once, enters with
 * {@link #callUnlessLoggingIn}: while an interactive login holds the gate it is told that a login
 * is needed instead of waiting for it.
 */
final class TokenGate {
    /** How often a caller that must not wait for a login looks whether one started. */
    private static final long LOGIN_CHECK_MILLIS = 20;

    @FunctionalInterface
    interface Call<T> {
        T call() throws IOException, InterruptedException;
    }

    private final ReentrantLock lock = new ReentrantLock();
    /** True while an interactive login holds the gate. */
    private volatile boolean loggingIn;

    /** Runs {@code call} holding the gate, after whatever refresh or login holds it now. */
    <T> T call(Call<T> call) throws IOException, InterruptedException {
        lock.lockInterruptibly();
        try {
            return call.call();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code call} holding the gate, but throws {@code needsLogin}'s exception at once rather
     * than wait while an interactive login holds it. A refresh holding it is waited for.
     */
    <T> T callUnlessLoggingIn(Call<T> call, Supplier<AuthenticationRequiredException> needsLogin)
            throws IOException, InterruptedException {
        while (!lock.tryLock(LOGIN_CHECK_MILLIS, TimeUnit.MILLISECONDS)) {
            if (loggingIn) {
                throw needsLogin.get();
            }
        }
        try {
            return call.call();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A token to use instead of {@code rejected}: the one {@code held} gives (null when none is
     * usable) when it is another token, else the one {@code refresh} brings. Concurrent callers
     * refused the same token thus refresh once between them.
     */
    String replace(String rejected, Supplier<String> held, Call<String> refresh)
            throws IOException, InterruptedException {
        return call(() -> {
            String now = held.get();
            if (now != null && !now.equals(rejected)) {
                return now;
            }
            return refresh.call();
        });
    }

    /** Runs an interactive login; the caller holds the gate. Callers of {@link #callUnlessLoggingIn} do not wait for it. */
    <T> T login(Call<T> login) throws IOException, InterruptedException {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("a login runs holding the token gate");
        }
        loggingIn = true;
        try {
            return login.call();
        } finally {
            loggingIn = false;
        }
    }

    /** Callers waiting behind a refresh or login (for tests). */
    int waiting() {
        return lock.getQueueLength();
    }
}
