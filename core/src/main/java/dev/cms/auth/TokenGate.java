package dev.cms.auth;

import dev.cms.provider.AuthenticationRequiredException;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The one gate of an account's token source, shared by the Gmail and Office365 sources: at most
 * one refresh or login runs at a time for the account (single flight), and whoever arrives
 * meanwhile waits for it and then uses the token it brought rather than refreshing again.
 *
 * <p>A caller whose token the service refused (HTTP 401) names that token ({@link #replace}): when
 * the token held by then is another one, a refresh already replaced it and the caller gets that
 * one, however late its 401 came back. The token broker, which must answer at once, enters with
 * {@link #callUnlessLoggingIn}: while an interactive login holds the gate it is told that a login
 * is needed instead of waiting for it; so does the sync when the daemon logs in in the background.
 *
 * <p>{@code afterLogin} runs after an interactive login succeeded, once the gate is free again, so
 * that whoever it wakes (the daemon's next cycle) finds the new token rather than a gate still held.
 */
final class TokenGate {
    /** How often a caller that must not wait for a login looks whether one started. */
    private static final long LOGIN_CHECK_MILLIS = 20;

    @FunctionalInterface
    interface Call<T> {
        T call() throws IOException, InterruptedException;
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Runnable afterLogin;
    /** True while an interactive login holds the gate. */
    private volatile boolean loggingIn;
    /** A login succeeded and {@link #afterLogin} has not run yet. Guarded by {@link #lock}. */
    private boolean loggedIn;

    TokenGate() {
        this(() -> { });
    }

    /** @param afterLogin run, without the gate, after each interactive login that succeeded */
    TokenGate(Runnable afterLogin) {
        this.afterLogin = afterLogin;
    }

    /** Runs {@code call} holding the gate, after whatever refresh or login holds it now. */
    <T> T call(Call<T> call) throws IOException, InterruptedException {
        lock.lockInterruptibly();
        try {
            return call.call();
        } finally {
            release();
        }
    }

    /**
     * As {@link #call} when {@code wait}, else as {@link #callUnlessLoggingIn}: the sync's callers
     * wait for a login only when the daemon does not log in in the background.
     */
    <T> T call(boolean wait, Call<T> call, @Nullable Supplier<AuthenticationRequiredException> loggingInNow)
            throws IOException, InterruptedException {
        return wait ? call(call)
                : callUnlessLoggingIn(call, java.util.Objects.requireNonNull(loggingInNow, "needed when not waiting"));
    }

    private void release() {
        boolean notify = lock.getHoldCount() == 1 && loggedIn;
        if (notify) {
            loggedIn = false;
        }
        lock.unlock();
        if (notify) {
            afterLogin.run();
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
            release();
        }
    }

    /**
     * A token to use instead of {@code rejected}: the one {@code held} gives (null when none is
     * usable) when it is another token, else the one {@code refresh} brings. Concurrent callers
     * refused the same token thus refresh once between them.
     */
    String replace(String rejected, Supplier<String> held, Call<String> refresh)
            throws IOException, InterruptedException {
        return replace(true, rejected, held, refresh, null);
    }

    /** As {@link #replace(String, Supplier, Call)}, not waiting for a login unless {@code wait}. */
    String replace(boolean wait, String rejected, Supplier<String> held, Call<String> refresh,
            @Nullable Supplier<AuthenticationRequiredException> loggingInNow) throws IOException, InterruptedException {
        return call(wait, () -> {
            String now = held.get();
            if (now != null && !now.equals(rejected)) {
                return now;
            }
            return refresh.call();
        }, loggingInNow);
    }

    /** Runs an interactive login; the caller holds the gate. Callers of {@link #callUnlessLoggingIn} do not wait for it. */
    <T> T login(Call<T> login) throws IOException, InterruptedException {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("a login runs holding the token gate");
        }
        loggingIn = true;
        try {
            T result = login.call();
            loggedIn = true;
            return result;
        } finally {
            loggingIn = false;
        }
    }

    /** Callers waiting behind a refresh or login (for tests). */
    int waiting() {
        return lock.getQueueLength();
    }
}
