package dev.cms.cli;

import dev.cms.provider.AccessTokenSource;
import dev.cms.auth.GoogleAuth;
import dev.cms.auth.LoginCoordinator;
import dev.cms.auth.SecretBlobs;
import dev.cms.auth.StorageKeyException;
import dev.cms.auth.TokenStore;
import dev.cms.auth.TokenStores;
import dev.cms.config.AccountSpec;
import dev.cms.config.CloudMailboxSpec;
import dev.cms.config.ConfigException;
import dev.cms.config.CredentialServerSpec;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.Office365AccountSpec;
import dev.cms.config.SyncConfig;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.gmail.GmailMailbox;
import dev.cms.provider.gmail.GmailOptions;
import dev.cms.provider.graph.GraphMailbox;
import dev.cms.provider.graph.GraphOptions;
import dev.cms.store.StateDb;
import java.io.IOException;
import dev.cms.time.Ticker;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The daemon's access to the real cloud services: the encrypted token store over
 * {@code state.db}, the shared login page, one token source per account and the providers.
 */
final class CloudAccess implements Providers {
    private final SyncConfig config;
    private final TokenStore store;
    private final LoginCoordinator logins;
    private final Map<String, AccessTokenSource> sources = new HashMap<>();
    /** The user/protocol pairs the broker is logging in in the background. */
    private final java.util.Set<String> brokerLogins = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private boolean forceDeviceCode;
    private javax.net.ssl.@Nullable SSLContext tls;
    private javax.net.ssl.@Nullable X509TrustManager trustManager;

    private CloudAccess(SyncConfig config, TokenStore store, LoginCoordinator logins) {
        this.config = config;
        this.store = store;
        this.logins = logins;
    }

    static CloudAccess open(SyncConfig config, StateDb db, LoginCoordinator logins) throws ConfigException, IOException {
        // A missing client_id is the first thing a newcomer meets: say it before anything else.
        for (AccountSpec a : accountsInUse(config)) {
            validate(a, config.file());
        }
        TokenStore store;
        try {
            store = TokenStores.open(blobs(db), System.getenv(), config.settings().storageKeyFile(), true);
        } catch (StorageKeyException e) {
            throw new ConfigException(config.file(), String.valueOf(e.getMessage()));
        }
        return new CloudAccess(config, store, logins);
    }

    /**
     * Access for a look at the accounts that changes nothing ({@code check}): the saved logins
     * are read from {@code db} (which may be opened read-only), nothing is written back (a
     * refreshed token is used and forgotten), and no login is started.
     */
    static CloudAccess openLooking(SyncConfig config, StateDb db) throws ConfigException, IOException {
        SecretBlobs readOnly = StateSecrets.readOnly(db);
        TokenStore store;
        try {
            store = TokenStores.open(readOnly, System.getenv(), config.settings().storageKeyFile(), true);
        } catch (StorageKeyException e) {
            throw new ConfigException(config.file(), String.valueOf(e.getMessage()));
        }
        return new CloudAccess(config, store, logins(config, false));
    }

    /** Logs Office365 accounts in with the device code, whatever the configuration says. */
    CloudAccess forceDeviceCode(boolean force) {
        this.forceDeviceCode = force;
        return this;
    }

    /** TLS trust for Graph other than the JVM's default (the demo's fake cloud). */
    CloudAccess trusting(javax.net.ssl.SSLContext ctx, javax.net.ssl.X509TrustManager tm) {
        this.tls = ctx;
        this.trustManager = tm;
        return this;
    }

    static SecretBlobs blobs(StateDb db) {
        return StateSecrets.of(db);
    }

    /** The token source of an account, made once. */
    synchronized AccessTokenSource tokensFor(AccountSpec account) throws ConfigException, IOException {
        AccessTokenSource s = sources.get(account.key());
        if (s != null) {
            return s;
        }
        if (account instanceof GmailAccountSpec g) {
            validate(g, config.file());
            s = new GoogleAuth(AccountOptions.google(g), GoogleAuth.scopesFor(brokerServesMail(account)), store, logins, Ticker.SYSTEM);
        } else if (account instanceof Office365AccountSpec o) {
            validate(o, config.file());
            s = new dev.cms.auth.Office365Auth(AccountOptions.office365(o), store, logins, Ticker.SYSTEM, System.err,
                    forceDeviceCode, sends(account));
        } else {
            throw new IllegalArgumentException("no login for an account of type " + account.getClass().getSimpleName());
        }
        sources.put(account.key(), s);
        return s;
    }

    /** A missing client_id (or Gmail client_secret) as a ConfigException at the account's position. */
    static void validate(AccountSpec account, java.nio.file.Path configFile) throws ConfigException {
        try {
            if (account instanceof GmailAccountSpec g) {
                GoogleAuth.validate(AccountOptions.google(g));
            } else if (account instanceof Office365AccountSpec o) {
                dev.cms.auth.Office365Auth.validate(AccountOptions.office365(o));
            }
        } catch (dev.cms.auth.MissingClientIdException e) {
            String msg = String.valueOf(e.getMessage());
            dev.cms.config.SourcePos pos = account.pos();
            if (pos == null) {
                throw new ConfigException(configFile, msg);
            }
            String prefix = pos + ": ";
            throw new ConfigException(pos, msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg);
        }
    }

    /** The accounts this configuration will log in to: those of its cloud mailboxes and token brokers. */
    static java.util.Set<AccountSpec> accountsInUse(SyncConfig config) {
        java.util.Set<AccountSpec> out = new java.util.LinkedHashSet<>();
        if (!config.authenticationOnly()) {
            for (CloudMailboxSpec m : config.cloudMailboxes()) {
                out.add(m.account());
            }
            for (dev.cms.config.WholeAccountSpec w : config.wholeAccounts()) {
                out.add(w.account());
            }
        }
        for (CredentialServerSpec c : config.credentialServers()) {
            out.addAll(c.accounts());
        }
        if (config.outbox() != null) {
            out.addAll(config.outbox().accounts());
        }
        return out;
    }

    /**
     * Fails before the first cycle when an account has no saved login and none can happen:
     * nobody can log in (a {@code --once} run without a terminal), or the login page's port
     * ({@code cfg.web_port}) is taken. Starts the login page when a login will be needed.
     */
    @Override
    public void checkLoginsPossible() throws IOException {
        for (AccountSpec a : accountsInUse(config)) {
            boolean deviceCode = a instanceof Office365AccountSpec o && (o.deviceCode() || forceDeviceCode);
            String secretKey = a instanceof Office365AccountSpec ? a.key() + ":msal" : a.key();
            if (store.load(secretKey) != null) {
                continue;
            }
            if (!logins.interactive()) {
                throw new dev.cms.provider.AuthenticationRequiredException(a.key() + " has no saved login and"
                        + " --once without a terminal cannot log in; run cloud-mdir-sync in a terminal once to log in");
            }
            if (!deviceCode) {
                int port = config.settings().webPort();
                try {
                    logins.homeUri();
                } catch (dev.cms.provider.AuthenticationRequiredException e) {
                    String why = String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
                    throw new dev.cms.provider.AuthenticationRequiredException(a.key() + " needs a login, but the"
                            + " login page cannot start: " + why
                            + (why.contains("cfg.web_port") ? "" : " (port " + port + ", cfg.web_port)"), e);
                }
            }
        }
    }

    /** Whether the configuration's Outbox sends for {@code account}. */
    private boolean sends(AccountSpec account) {
        return config.outbox() != null && config.outbox().accounts().contains(account);
    }

    /** Sends the Outbox's mail for {@code account} through its service, with its token source. */
    @Override
    public dev.cms.send.MailSender sender(AccountSpec account) throws ConfigException, IOException {
        AccessTokenSource tokens = tokensFor(account);
        if (account instanceof GmailAccountSpec g) {
            String api = g.apiEndpoint() == null ? GmailAccountSpec.DEFAULT_API_ENDPOINT : g.apiEndpoint();
            return new dev.cms.send.GmailSender(g.key(), api, tokens, null);
        }
        Office365AccountSpec o = (Office365AccountSpec) account;
        String graph = o.graphEndpoint() == null ? Office365AccountSpec.DEFAULT_GRAPH_ENDPOINT : o.graphEndpoint();
        return new dev.cms.send.GraphSender(o.key(), graph, tokens, tls);
    }

    private boolean brokerServesMail(AccountSpec account) {
        for (CredentialServerSpec c : config.credentialServers()) {
            if (c.accounts().contains(account) && !c.protocols().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** Answers the token broker from the accounts' token sources. */
    @Override
    public dev.cms.broker.TokenProvider brokerTokens(CredentialServerSpec server) {
        return new dev.cms.broker.TokenProvider() {
            @Override
            public String token(String user, String protocol, Duration minValidity)
                    throws IOException, InterruptedException {
                return fetch(user, protocol, minValidity).value();
            }

            @Override
            public Token fetch(String user, String protocol, Duration minValidity)
                    throws IOException, InterruptedException {
                return dev.cms.broker.AuthTokens.fetch(sourceFor(server, user), protocol, minValidity);
            }

            @Override
            public void loginNeeded(String user, String protocol) {
                logInInBackground(server, user, protocol);
            }
        };
    }

    /** One background login per user and protocol at a time; none when nobody can log in. */
    private void logInInBackground(CredentialServerSpec server, String user, String protocol) {
        if (!logins.interactive()) {
            return;
        }
        String key = user.toLowerCase(java.util.Locale.ROOT) + " " + protocol;
        if (!brokerLogins.add(key)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                dev.cms.broker.AuthTokens.logIn(sourceFor(server, user), protocol);
                org.slf4j.LoggerFactory.getLogger(CloudAccess.class).info("{} is logged in: its {} tokens are served",
                        user, protocol);
            } catch (IOException | RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(CloudAccess.class).warn("the login of {} for the token broker"
                        + " failed: {}", user, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                brokerLogins.remove(key);
            }
        }, "cms-broker-login");
        t.setDaemon(true);
        t.start();
    }

    private AccessTokenSource sourceFor(CredentialServerSpec server, String user) throws IOException {
        for (AccountSpec a : server.accounts()) {
            if (a.user() != null && a.user().equalsIgnoreCase(user)) {
                try {
                    return tokensFor(a);
                } catch (ConfigException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }
        }
        throw new IOException("no account " + user + " in this CredentialServer");
    }

    /** The history reads and polling schedules each account's mailboxes share. */
    private final AccountPolls shared = new AccountPolls();

    @Override
    public boolean foldersChanged(dev.cms.config.WholeAccountSpec call) {
        return shared.foldersChanged(call);
    }

    @Override
    public void retire(WholeAccounts.Folder folder) {
        shared.retire(folder);
    }

    @Override
    public CloudMailbox create(CloudMailboxSpec spec) throws ConfigException, IOException {
        AccessTokenSource tokens = tokensFor(spec.account());
        return switch (spec.service()) {
            case GMAIL -> {
                GmailAccountSpec g = (GmailAccountSpec) spec.account();
                dev.cms.provider.CloudAccount account = AccountOptions.gmail(g);
                GmailOptions options = gmailOptions(g);
                // The labels of one account share their history reads: one history.list a poll.
                yield new GmailMailbox(account, spec.mailbox(), spec.deleteAction(), tokens, options,
                        shared.history(account, tokens, options));
            }
            case OFFICE365 -> {
                Office365AccountSpec o = (Office365AccountSpec) spec.account();
                yield new GraphMailbox(AccountOptions.graph(o), spec.mailbox(), spec.deleteAction(), tokens,
                        graphOptions(o));
            }
        };
    }

    @Override
    public java.util.List<dev.cms.folders.AccountFolder> folders(dev.cms.config.WholeAccountSpec call)
            throws ConfigException, IOException, InterruptedException {
        AccessTokenSource tokens = tokensFor(call.account());
        if (call.account() instanceof GmailAccountSpec g) {
            return shared.gmailFolders(AccountOptions.gmail(g), tokens, gmailOptions(g));
        }
        Office365AccountSpec o = (Office365AccountSpec) call.account();
        return WholeAccounts.graphFolders(dev.cms.provider.graph.GraphFolders.list(AccountOptions.graph(o), tokens,
                graphOptions(o)));
    }

    @Override
    public void createFolder(dev.cms.config.WholeAccountSpec call, java.util.List<String> names,
            @Nullable String parentId) throws ConfigException, IOException, InterruptedException {
        AccessTokenSource tokens = tokensFor(call.account());
        if (call.account() instanceof GmailAccountSpec g) {
            dev.cms.provider.gmail.GmailLabels.create(AccountOptions.gmail(g), tokens, gmailOptions(g),
                    String.join("/", names));
        } else {
            Office365AccountSpec o = (Office365AccountSpec) call.account();
            dev.cms.provider.graph.GraphFolders.create(AccountOptions.graph(o), tokens, graphOptions(o), parentId,
                    names.get(names.size() - 1));
        }
    }

    @Override
    public CloudMailbox create(WholeAccounts.Folder folder) throws ConfigException, IOException {
        if (folder.call().account() instanceof Office365AccountSpec o) {
            // By id: a display name may hold a "/", which a path lookup would take for a level.
            dev.cms.provider.CloudAccount account = AccountOptions.graph(o);
            AccessTokenSource tokens = tokensFor(o);
            GraphOptions options = graphOptions(o);
            // The folders of one account share one polling schedule: two requests an unchanged poll.
            return GraphMailbox.ofFolder(account, folder.mailbox().mailbox(), folder.folder().id(),
                    folder.folder().inbox(), folder.call().deleteAction(), tokens, options,
                    shared.poll(account, tokens, options));
        }
        return create(folder.mailbox());
    }

    private static GmailOptions gmailOptions(GmailAccountSpec g) {
        GmailOptions d = GmailOptions.defaults();
        return new GmailOptions(g.quotaUnitsPerSecond(), d.maxParallelFetches(), d.connectTimeout(), d.readTimeout(),
                d.ticker(), d.jitter());
    }

    private GraphOptions graphOptions(Office365AccountSpec o) {
        GraphOptions options = GraphOptions.defaults(o.maxConcurrency() > 0 ? o.maxConcurrency() : 4);
        if (tls != null) {
            options = options.withTls(tls.getSocketFactory(), java.util.Objects.requireNonNull(trustManager, "set with tls"));
        }
        return options;
    }

    static LoginCoordinator logins(SyncConfig config, boolean interactive) {
        return new LoginCoordinator(config.settings().webPort(), interactive, config.settings().authNotifyCmd(),
                System.getenv(), Duration.ofMinutes(30));
    }

    @Override
    public void logInInBackground(java.util.function.Consumer<String> loggedIn) {
        logins.logInInBackground().onLoggedIn(loggedIn);
    }

    @Override
    public void stopLogins() {
        logins.close();
    }

    @Override
    public void close() {
        logins.close();
    }
}
