package dev.cms.auth;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local login page (RFC 8252 loopback redirect). {@code /} sends the browser to the oldest
 * pending login's authorization URL; the provider redirects back to {@code /oauth2/gmail} or
 * {@code /oauth2/msal}, where the {@code state} picks the pending login and completes it; the
 * browser then returns to {@code /} for the next one. Bound to 127.0.0.1 only.
 */
public final class LoginServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoginServer.class);

    public static final String GMAIL_PATH = "/oauth2/gmail";
    public static final String MSAL_PATH = "/oauth2/msal";
    static final Set<String> CALLBACK_PATHS = Set.of(GMAIL_PATH, MSAL_PATH);
    private static final int THREADS = 4;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpServer server;
    private final ExecutorService executor;
    private final int port;
    private final Object lock = new Object();
    /** By state, oldest first. Guarded by {@link #lock}. */
    private final Map<String, PendingLogin> pending = new LinkedHashMap<>();
    /** Labels of the logins completed, for the status page. Guarded by {@link #lock}. */
    private final List<String> loggedIn = new ArrayList<>();
    private boolean closed;

    private LoginServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
        this.port = server.getAddress().getPort();
    }

    /**
     * Binds 127.0.0.1:{@code port} ({@code 0}: any free port) and starts serving.
     *
     * @throws LoginServerException when the port is taken or cannot be bound
     */
    public static LoginServer start(int port) throws LoginServerException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not a TCP port");
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(loopback(), port), 16);
        } catch (BindException e) {
            throw new LoginServerException("port " + port + " on localhost is already in use (another"
                    + " cloud-mdir-sync, or another program); stop it or set cfg.web_port to a free port", e);
        } catch (IOException e) {
            throw new LoginServerException("cannot listen on 127.0.0.1 port " + port + ": " + e.getMessage(), e);
        }
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "login-page-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        LoginServer login = new LoginServer(server, executor);
        server.createContext("/", login::handle);
        server.setExecutor(executor);
        server.start();
        log.debug("login page listening on {}", login.homeUri());
        return login;
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError("a 4-byte address is always valid", e);
        }
    }

    public int port() {
        return port;
    }

    /** The address the server is bound to (always 127.0.0.1). */
    InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code http://localhost:<port>/} */
    public URI homeUri() {
        return URI.create("http://localhost:" + port + "/");
    }

    /** {@code http://localhost:<port><path>}, {@code path} being {@link #GMAIL_PATH} or {@link #MSAL_PATH}. */
    public URI redirectUri(String path) {
        checkPath(path);
        return URI.create("http://localhost:" + port + path);
    }

    /**
     * Queues a login. {@code state} is the OAuth state the authorization URL carries (from
     * {@link #newState()}); the browser is sent to {@code authorizationUrl} from {@code /} once
     * the logins queued before it are finished.
     */
    /** Logins queued and not completed: the browser has yet to pass through each. */
    int pendingCount() {
        synchronized (lock) {
            return pending.size();
        }
    }

    public PendingLogin begin(String accountLabel, String redirectPath, String state, URI authorizationUrl) {
        Objects.requireNonNull(accountLabel, "accountLabel");
        Objects.requireNonNull(authorizationUrl, "authorizationUrl");
        checkPath(redirectPath);
        if (state == null || state.isBlank()) {
            throw new IllegalArgumentException("login for " + accountLabel + " needs a non-empty state");
        }
        String scheme = authorizationUrl.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))) {
            throw new IllegalArgumentException("authorization URL for " + accountLabel + " is not http(s): scheme "
                    + scheme);
        }
        PendingLogin login = new PendingLogin(this, accountLabel, redirectPath, state, authorizationUrl);
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the login page on port " + port + " is closed");
            }
            if (pending.containsKey(state)) {
                throw new IllegalArgumentException("state already in use by the login for "
                        + pending.get(state).accountLabel());
            }
            pending.put(state, login);
        }
        log.debug("login for {} queued", accountLabel);
        return login;
    }

    /** A fresh OAuth state: 32 random bytes, base64url without padding. */
    public static String newState() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Stops serving; every login still pending fails. */
    @Override
    public void close() {
        List<PendingLogin> left;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            left = new ArrayList<>(pending.values());
            pending.clear();
            for (PendingLogin login : left) {
                login.fail(new LoginFailedException("the login page closed before " + login.accountLabel()
                        + " logged in"));
            }
        }
        server.stop(0);
        executor.shutdownNow();
    }

    /** Removes {@code login} from the queue and fails it with {@code why}, unless it finished already. */
    void withdraw(PendingLogin login, LoginFailedException why) {
        synchronized (lock) {
            pending.remove(login.state(), login);
            login.fail(why);
        }
    }

    private static void checkPath(String path) {
        if (!CALLBACK_PATHS.contains(path)) {
            throw new IllegalArgumentException("redirect path " + path + " is not one of " + CALLBACK_PATHS);
        }
    }

    // ---- HTTP ----

    private void handle(HttpExchange exchange) {
        try {
            LoginResponse response;
            try {
                response = route(exchange);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                // Never the query: it may hold an authorization code.
                log.warn("login page: internal error answering {} {}: {}", exchange.getRequestMethod(),
                        exchange.getRequestURI().getRawPath(), e.getClass().getName());
                response = LoginResponse.page(500, "Internal error", Html.paragraph("See the cloud-mdir-sync log."));
            }
            LoginResponse.drain(exchange.getRequestBody());
            response.send(exchange);
        } catch (IOException e) {
            log.debug("login page: could not answer the browser ({})", e.getClass().getName());
        } finally {
            exchange.close();
        }
    }

    private LoginResponse route(HttpExchange exchange) throws IOException {
        String host = exchange.getRequestHeaders().getFirst("Host");
        if (host != null && !isOwnHost(host)) {
            return LoginResponse.badRequest("This page only answers to http://localhost:" + port + "/.");
        }
        String path = exchange.getRequestURI().getRawPath();
        String method = exchange.getRequestMethod();
        if ("/".equals(path)) {
            if (!method.equals("GET") && !method.equals("HEAD")) {
                return new LoginResponse(405, null, Html.page("Method not allowed", ""), "GET, HEAD");
            }
            return home();
        }
        if (path != null && CALLBACK_PATHS.contains(path)) {
            return callback(exchange, path, method);
        }
        return LoginResponse.page(404, "Not found", Html.paragraph("Nothing here; the login page is at "
                + homeUri() + "."));
    }

    private boolean isOwnHost(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        return h.equals("localhost:" + port) || h.equals("127.0.0.1:" + port);
    }

    private LoginResponse home() {
        synchronized (lock) {
            if (!pending.isEmpty()) {
                return LoginResponse.redirect(pending.values().iterator().next().authorizationUrl());
            }
            if (loggedIn.isEmpty()) {
                return LoginResponse.page(200, "No login waiting", Html.paragraph(
                        "cloud-mdir-sync is not waiting for a login. You can close this tab."));
            }
            String list = loggedIn.stream().map(l -> "<li>" + Html.escape(l) + "</li>")
                    .collect(Collectors.joining("\n", "<ul>\n", "\n</ul>"));
            return LoginResponse.page(200, "Logged in", "<p>These accounts are logged in:</p>\n" + list
                    + "\n" + Html.paragraph("You can close this tab."));
        }
    }

    private LoginResponse callback(HttpExchange exchange, String path, String method) throws IOException {
        String raw;
        if (method.equals("GET")) {
            raw = exchange.getRequestURI().getRawQuery();
        } else if (method.equals("POST")) {
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            if (type == null || !type.toLowerCase(Locale.ROOT).trim().startsWith("application/x-www-form-urlencoded")) {
                return LoginResponse.badRequest("The login reply should be a form (application/x-www-form-urlencoded).");
            }
            byte[] body = LoginResponse.readBody(exchange.getRequestBody());
            if (body == null) {
                return LoginResponse.badRequest("The login reply is too long.");
            }
            try {
                raw = FormParams.utf8(body);
            } catch (FormParams.MalformedException e) {
                return LoginResponse.badRequest("The login reply could not be read: " + e.getMessage() + ".");
            }
        } else {
            return new LoginResponse(405, null, Html.page("Method not allowed", ""), "GET, POST");
        }
        Map<String, String> params;
        try {
            params = FormParams.parse(raw);
        } catch (FormParams.MalformedException e) {
            return LoginResponse.badRequest("The login reply could not be read: " + e.getMessage() + ".");
        }
        return complete(path, params);
    }

    private LoginResponse complete(String path, Map<String, String> params) {
        String restart = " Start again from " + homeUri() + " if a login is still waiting.";
        synchronized (lock) {
            String state = params.get("state");
            if (state == null || state.isEmpty()) {
                return LoginResponse.badRequest("The login reply has no state parameter." + restart);
            }
            PendingLogin login = pending.get(state);
            if (login == null) {
                return LoginResponse.badRequest("The login reply does not belong to a login that is waiting (it may be"
                        + " from an earlier attempt, or already used)." + restart);
            }
            if (!login.redirectPath().equals(path)) {
                return LoginResponse.badRequest("The login reply for " + login.accountLabel() + " arrived at " + path
                        + " instead of " + login.redirectPath() + "." + restart);
            }
            String error = params.get("error");
            if (error != null) {
                String code = sanitise(error, 100);
                String description = params.containsKey("error_description")
                        ? sanitise(params.get("error_description"), 500) : null;
                pending.remove(state);
                String message = "the login for " + login.accountLabel() + " was refused: " + code
                        + (description == null || description.isEmpty() ? "" : " (" + description + ")");
                login.fail(new LoginFailedException(message, code, description));
                log.warn("{}", message);
                String next = pending.isEmpty() ? ""
                        : "\n<p><a href=\"/\">Continue with the next account</a></p>";
                return LoginResponse.page(200, "Login failed", Html.paragraph("The login for " + login.accountLabel()
                        + " failed: " + code + (description == null ? "" : " - " + description) + ".") + next);
            }
            String code = params.get("code");
            if (code == null || code.isEmpty()) {
                return LoginResponse.badRequest("The login reply for " + login.accountLabel()
                        + " has neither a code nor an error.");
            }
            pending.remove(state);
            loggedIn.add(login.accountLabel());
            login.complete(params);
            log.info("login page: received the authorization for {}", login.accountLabel());
            if (!pending.isEmpty()) {
                return LoginResponse.redirect(URI.create("/"));
            }
            return LoginResponse.page(200, "Logged in", Html.paragraph("Logged in as " + login.accountLabel()
                    + ". You can close this tab."));
        }
    }

    /** Printable ASCII only, bounded: provider error texts go into logs and pages. */
    static String sanitise(String text, int max) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), max));
        for (int i = 0; i < text.length() && out.length() < max; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (text.length() > max) {
            out.append("...");
        }
        return out.toString();
    }

}
