package dev.cms.auth;

import dev.cms.provider.AuthenticationRequiredException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * The interactive logins of one daemon, shared by all its accounts. The {@link LoginServer} is
 * started on the first login that is needed. A login queues itself there; when no other login was
 * queued the browser is opened at the login page, whose {@code /} walks through every pending
 * login, so accounts that need a login together get one browser tab. {@code cfg.auth_notify_cmd},
 * when set, is run for each login so that a user away from the terminal hears of it.
 *
 * <p>A non-interactive coordinator (a {@code --once} run from cron, tests) starts nothing and
 * answers every login with {@link AuthenticationRequiredException}.
 *
 * <p>By default the sync's token requests wait for the login they need ({@code --once} on a
 * terminal). The daemon calls {@link #logInInBackground()}: a token request that needs a login then
 * starts it in the background (or joins the one running for its account) and fails at once, so the
 * other accounts go on; {@link #onLoggedIn} listeners hear when a login succeeded.
 */
public final class LoginCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoginCoordinator.class);

    /** The callback of a finished login, and the redirect URI the code was issued for. */
    public record Callback(URI redirectUri, Map<String, String> params) {
        public Callback {
            Objects.requireNonNull(redirectUri, "redirectUri");
            params = Map.copyOf(params);
        }

        /** The authorization code (the server only completes logins that carry one). */
        public String code() {
            return Objects.requireNonNull(params.get("code"), "a completed login carries a code");
        }

        @Override
        public String toString() {
            return "Callback[" + redirectUri + "]"; // never the code
        }
    }

    private final int port;
    private final boolean interactive;
    private final @Nullable String authNotifyCmd;
    private final Map<String, String> env;
    private final Duration loginTimeout;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private @Nullable LoginServer server;
    /** Logins queued and not finished yet. Guarded by {@link #lock}. */
    private int outstanding;
    /** Guarded by {@link #lock}. */
    private boolean closed;
    /** What {@link #close()} must also end (device code logins). Guarded by {@link #lock}. */
    private final java.util.Set<Runnable> onClose = new java.util.LinkedHashSet<>();
    private volatile Browser browser;
    /** Accounts (keys) whose login runs in the background. Guarded by {@link #lock}. */
    private final java.util.Set<String> background = new java.util.HashSet<>();
    private volatile boolean inBackground;
    private final java.util.List<java.util.function.Consumer<String>> loggedInListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Opens the login page for the user; the default starts their browser. */
    @FunctionalInterface
    public interface Browser {
        void open(URI home) throws IOException;
    }

    /**
     * @param port {@code cfg.web_port} ({@code 0}: any free port, for tests)
     * @param interactive false when nobody can log in ({@code --once} under cron, tests)
     * @param authNotifyCmd {@code cfg.auth_notify_cmd}, run with {@code /bin/sh -c}; null for none
     * @param env the environment for {@code $BROWSER}, {@code $PATH} and the notify command
     * @param loginTimeout how long a login may wait for the browser
     */
    public LoginCoordinator(int port, boolean interactive, @Nullable String authNotifyCmd, Map<String, String> env,
                            Duration loginTimeout) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("web port " + port + " is not a TCP port");
        }
        if (loginTimeout.isNegative() || loginTimeout.isZero()) {
            throw new IllegalArgumentException("login timeout must be positive, got " + loginTimeout);
        }
        this.port = port;
        this.interactive = interactive;
        this.authNotifyCmd = authNotifyCmd == null || authNotifyCmd.isBlank() ? null : authNotifyCmd;
        this.env = Map.copyOf(env);
        this.loginTimeout = loginTimeout;
        this.browser = home -> BrowserLauncher.open(home, this.env, System.err);
    }

    /** Replaces how the login page is opened (the demo follows it in-process). */
    public LoginCoordinator withBrowser(Browser b) {
        this.browser = b;
        return this;
    }

    public boolean interactive() {
        return interactive;
    }

    /**
     * From now on a sync's token request that needs a login does not wait for it: the login starts
     * in the background and the request fails at once with {@link AuthenticationRequiredException}
     * (the daemon; {@code --once} waits).
     */
    public LoginCoordinator logInInBackground() {
        this.inBackground = true;
        return this;
    }

    /** Whether the sync's token requests wait for a login they need. */
    boolean waitsForLogins() {
        return !inBackground;
    }

    /**
     * Tells {@code listener} the account key ({@code gmail:user}, {@code o365:...}) of each
     * interactive login that succeeded, once its token can be had. It runs on the login's thread and
     * must not block.
     */
    public Registration onLoggedIn(java.util.function.Consumer<String> listener) {
        loggedInListeners.add(listener);
        return () -> loggedInListeners.remove(listener);
    }

    /** Called by the token sources after a login succeeded and their gate is free. */
    void loggedIn(String accountKey) {
        for (java.util.function.Consumer<String> l : loggedInListeners) {
            try {
                l.accept(accountKey);
            } catch (RuntimeException e) {
                log.warn("a listener of the login of {} failed: {}", accountKey, e.toString());
            }
        }
    }

    /**
     * Starts {@code login} on a thread of its own unless one runs already for {@code accountKey}
     * (then the caller joins it). A failure is logged; the next token request starts a new login.
     *
     * @param account the account's label, for the log
     * @throws AuthenticationRequiredException when nobody can log in or the daemon is stopping
     */
    void startInBackground(String accountKey, String account, TokenGate.Call<?> login)
            throws AuthenticationRequiredException {
        if (!interactive) {
            throw notInteractive(account);
        }
        synchronized (lock) {
            if (closed) {
                throw stopping(account);
            }
            if (!background.add(accountKey)) {
                return;
            }
        }
        Thread t = new Thread(() -> {
            try {
                login.call();
            } catch (IOException | RuntimeException e) {
                if (!closed()) {
                    log.warn("the login of {} did not complete: {}; the next sync attempt asks again", account,
                            e.getMessage());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                synchronized (lock) {
                    background.remove(accountKey);
                }
            }
        }, "cms-login");
        t.setDaemon(true);
        t.start();
    }

    /** Whether a background login runs for {@code accountKey} (for tests). */
    boolean loggingInBackground(String accountKey) {
        synchronized (lock) {
            return background.contains(accountKey);
        }
    }

    private static AuthenticationRequiredException notInteractive(String account) {
        return new AuthenticationRequiredException("a login is needed for " + account
                + "; run cloud-mdir-sync in a terminal to log in");
    }

    /**
     * Runs one interactive login: starts the login page if needed, queues the login with the
     * authorization URL {@code authorizationUrl} builds from the redirect URI, tells the user, and
     * waits for the browser to come back.
     *
     * @param account the account's label, shown on the login page and in the log
     * @param redirectPath {@link LoginServer#GMAIL_PATH} or {@link LoginServer#MSAL_PATH}
     * @param state the OAuth state carried by the authorization URL
     * @throws AuthenticationRequiredException when not interactive, when the login page cannot
     *     start, or when the login failed or timed out
     */
    public Callback login(String account, String redirectPath, String state, Function<URI, URI> authorizationUrl)
            throws IOException, InterruptedException {
        if (!interactive) {
            throw notInteractive(account);
        }
        LoginServer login;
        boolean openBrowser;
        PendingLogin pending;
        URI redirectUri;
        synchronized (lock) {
            if (closed) {
                throw stopping(account);
            }
            login = server();
            redirectUri = login.redirectUri(redirectPath);
            // A browser is on its way only while the page has logins it has not passed through yet:
            // one queued just after the browser finished the others needs a browser of its own.
            openBrowser = login.pendingCount() == 0;
            pending = login.begin(account, redirectPath, state, authorizationUrl.apply(redirectUri));
            outstanding++;
        }
        try {
            URI home = login.homeUri();
            log.warn("login needed for {}: open {}", account, home);
            notifyUser(account, home);
            if (openBrowser) {
                try {
                    browser.open(home);
                } catch (IOException e) {
                    log.warn("could not open a browser for the login ({}); open {} yourself", e.getMessage(), home);
                }
            }
            Map<String, String> params;
            try {
                params = pending.await(loginTimeout);
            } catch (LoginFailedException e) {
                throw new AuthenticationRequiredException("login for " + account + " did not complete: "
                        + e.getMessage(), e);
            } catch (InterruptedException e) {
                pending.cancel();
                throw e;
            }
            return new Callback(redirectUri, params);
        } finally {
            synchronized (lock) {
                outstanding--;
            }
        }
    }

    /** The login page's address, starting it when needed. */
    public URI homeUri() throws AuthenticationRequiredException {
        synchronized (lock) {
            return server().homeUri();
        }
    }

    /** Logins queued and not finished (for tests). */
    int outstanding() {
        synchronized (lock) {
            return outstanding;
        }
    }

    /**
     * Runs {@code cancel} when this coordinator closes (at once when it is closed already), so
     * that a login waiting elsewhere (a device code) ends with the daemon; the returned handle
     * unregisters it.
     */
    public Registration onClose(Runnable cancel) {
        synchronized (lock) {
            if (!closed) {
                onClose.add(cancel);
                return () -> {
                    synchronized (lock) {
                        onClose.remove(cancel);
                    }
                };
            }
        }
        cancel.run();
        return () -> { };
    }

    /** Undoes an {@link #onClose} registration. */
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /** Whether {@link #close()} was called: the daemon is stopping and no login starts any more. */
    public boolean closed() {
        synchronized (lock) {
            return closed;
        }
    }

    static AuthenticationRequiredException stopping(String account) {
        return new AuthenticationRequiredException("no login for " + account + ": cloud-mdir-sync is stopping");
    }

    /**
     * Stops the login page; logins still waiting fail at once, and no new one starts (the daemon
     * is stopping: a login must not hold up its stop).
     */
    @Override
    public void close() {
        LoginServer stop;
        java.util.List<Runnable> cancels;
        synchronized (lock) {
            closed = true;
            stop = server;
            server = null;
            cancels = java.util.List.copyOf(onClose);
            onClose.clear();
        }
        if (stop != null) {
            stop.close();
        }
        for (Runnable r : cancels) {
            r.run();
        }
    }

    private LoginServer server() throws AuthenticationRequiredException {
        if (closed) {
            throw new IllegalStateException("the login coordinator is closed");
        }
        if (server == null) {
            try {
                server = LoginServer.start(port);
            } catch (LoginServerException e) {
                throw new AuthenticationRequiredException("a login is needed but the login page cannot start: "
                        + e.getMessage(), e);
            }
        }
        return server;
    }

    /** Runs {@code cfg.auth_notify_cmd}; the URL travels in the environment, never in the command. */
    private void notifyUser(String account, URI home) {
        if (authNotifyCmd == null) {
            return;
        }
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", authNotifyCmd).redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().put("CMS_ACCOUNT", account);
        builder.environment().put("CMS_LOGIN_URL", home.toASCIIString());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            log.warn("cfg.auth_notify_cmd could not be started: {}", e.getMessage());
            return;
        }
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            log.debug("closing the notify command's stdin: {}", e.toString());
        }
        Thread reaper = new Thread(() -> reap(process), "auth-notify");
        reaper.setDaemon(true);
        reaper.start();
    }

    private static void reap(Process process) {
        byte[] buffer = new byte[4096];
        try (InputStream in = process.getInputStream()) {
            while (in.read(buffer) >= 0) {
                // Its output is not ours to show; it only must not block on a full pipe.
            }
            int status = process.waitFor();
            if (status != 0) {
                log.warn("cfg.auth_notify_cmd exited with status {}", status);
            }
        } catch (IOException e) {
            log.debug("notify command output: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
