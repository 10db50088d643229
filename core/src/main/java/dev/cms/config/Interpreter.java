package dev.cms.config;

import dev.cms.config.CallArgs.Keyword;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * Carries out the calls and settings of one cms.cfg as the parser meets them, registering
 * what they declare in order, and checks the file as a whole at the end.
 */
final class Interpreter {
    private record Signature(List<String> params, Set<String> required) {}

    private static final Map<String, Signature> CALLS = Map.ofEntries(
            Map.entry("MailDir", new Signature(List.of("path"), Set.of("path"))),
            Map.entry("Office365", new Signature(List.of("mailbox", "account", "delete_action"),
                    Set.of("mailbox", "account"))),
            Map.entry("Office365_Account", new Signature(List.of("user", "tenant", "client_id", "device_code",
                    "authority_host", "graph_endpoint", "max_concurrency", "use_default_registration"), Set.of())),
            Map.entry("GMail", new Signature(List.of("label", "account", "delete_action"), Set.of("label", "account"))),
            Map.entry("GMail_Account", new Signature(List.of("user", "client_id", "client_secret", "auth_endpoint",
                    "token_endpoint", "api_endpoint", "quota_units_per_second"), Set.of("user"))),
            Map.entry("Office365_Folders", new Signature(List.of("account", "root", "include", "exclude", "layout",
                    "delete_action"), Set.of("account", "root"))),
            Map.entry("GMail_Labels", new Signature(List.of("account", "root", "include", "exclude", "all_mail",
                    "layout", "delete_action"), Set.of("account", "root"))),
            Map.entry("CredentialServer", new Signature(List.of("path", "accounts", "umask", "protocols"),
                    Set.of("path", "accounts"))),
            Map.entry("Route", new Signature(List.of("to", "mailbox", "header", "equals", "matches"), Set.of("to"))),
            Map.entry("Outbox", new Signature(List.of("accounts", "path", "umask"), Set.of())),
            Map.entry("SmtpSubmission", new Signature(List.of("port", "accounts"), Set.of())));

    /** The settings {@code cfg.<name> = value} accepts, in the order they are documented. */
    static final List<String> SETTINGS = List.of(
            "message_db_dir", "poll_interval", "web_port", "storage_key_file", "auth_notify_cmd",
            "safety_scan_interval");

    static final String REGISTRATION_HELP = "this program ships no shared app registration, so register your own"
            + " public client: Azure portal -> App registrations -> New registration; add a \"Mobile and desktop"
            + " applications\" redirect URI http://localhost:8080/oauth2/msal; under Authentication allow public"
            + " client flows; then copy the Application (client) ID into client_id=\"...\"";

    private final Path file;
    private final Path home;
    private final Path baseDir;
    private final List<MaildirSpec> maildirs = new ArrayList<>();
    private final List<AccountSpec> accounts = new ArrayList<>();
    private final List<CloudMailboxSpec> cloudMailboxes = new ArrayList<>();
    private final List<WholeAccountSpec> wholeAccounts = new ArrayList<>();
    private final List<RouteSpec> routes = new ArrayList<>();
    private final List<CredentialServerSpec> credentialServers = new ArrayList<>();
    /** The Outbox(...) and SmtpSubmission(...) calls, made into specs at the end. */
    private final OutboxCalls sending = new OutboxCalls();
    private Path messageDbDir;
    private int pollInterval = Settings.DEFAULT_POLL_INTERVAL;
    private int safetyScanInterval = Settings.DEFAULT_SAFETY_SCAN_INTERVAL;
    private int webPort = Settings.DEFAULT_WEB_PORT;
    private @Nullable Path storageKeyFile;
    private @Nullable String authNotifyCmd;

    Interpreter(Path file, Path home) throws ConfigException {
        this.file = file;
        this.home = home;
        Path abs;
        try {
            abs = file.toAbsolutePath();
        } catch (RuntimeException e) {
            throw new ConfigException(file, "cannot resolve the configuration file's directory: " + e.getMessage());
        }
        this.baseDir = abs.getParent() != null ? abs.getParent() : abs;
        this.messageDbDir = expand(Settings.DEFAULT_MESSAGE_DB_DIR, new SourcePos(file, 1, 1));
    }

    static boolean isCall(String name) {
        return CALLS.containsKey(name);
    }

    static Set<String> callNames() {
        return CALLS.keySet();
    }

    /** Carries out {@code name(...)} written at {@code pos}. */
    Val call(String name, SourcePos pos, List<Val> positional, List<Keyword> keywords) throws ConfigException {
        Signature sig = CALLS.get(name);
        if (sig == null) {
            throw new IllegalStateException("not a call: " + name);
        }
        CallArgs a = CallArgs.bind(name, pos, sig.params(), sig.required(), positional, keywords);
        Object result = switch (name) {
            case "MailDir" -> mailDir(a);
            case "Office365" -> office365(a);
            case "Office365_Account" -> office365Account(a);
            case "GMail" -> gmail(a);
            case "Office365_Folders" -> addWholeAccount(WholeAccountCalls.parse(a, CloudMailboxSpec.Service.OFFICE365,
                    this::expand, deleteAction(a)));
            case "GMail_Labels" -> addWholeAccount(WholeAccountCalls.parse(a, CloudMailboxSpec.Service.GMAIL,
                    this::expand, deleteAction(a)));
            case "GMail_Account" -> gmailAccount(a);
            case "CredentialServer" -> credentialServer(a);
            case "Route" -> route(a);
            case "Outbox" -> sending.outbox(a, this::expand);
            case "SmtpSubmission" -> sending.smtpSubmission(a);
            default -> throw new IllegalStateException(name);
        };
        return new Val(result, pos);
    }

    private MaildirSpec mailDir(CallArgs a) throws ConfigException {
        MaildirSpec m = new MaildirSpec(expand(a.str("path"), a.valuePos("path")), a.callPos());
        maildirs.add(m);
        return m;
    }

    private CloudMailboxSpec office365(CallArgs a) throws ConfigException {
        String mailbox = a.str("mailbox");
        boolean emptyPart = false;
        for (String part : mailbox.split("/", -1)) {
            emptyPart |= part.isBlank();
        }
        if (emptyPart) {
            throw a.error("mailbox", "Office365(): `mailbox` must be a folder path like \"inbox\" or"
                    + " \"Inbox/Lists/kernel\", got " + Values.repr(mailbox));
        }
        Office365AccountSpec account = a.spec("account", Office365AccountSpec.class, "an Office365_Account(...)");
        return addMailbox(new CloudMailboxSpec(CloudMailboxSpec.Service.OFFICE365, mailbox, account,
                deleteAction(a), a.callPos()));
    }

    private CloudMailboxSpec gmail(CallArgs a) throws ConfigException {
        String label = a.str("label");
        if (label.isBlank()) {
            throw a.error("label", "GMail(): `label` must name a Gmail label like \"INBOX\", got " + Values.repr(label));
        }
        GmailAccountSpec account = a.spec("account", GmailAccountSpec.class, "a GMail_Account(...)");
        return addMailbox(new CloudMailboxSpec(CloudMailboxSpec.Service.GMAIL, label, account, deleteAction(a),
                a.callPos()));
    }

    private CloudMailboxSpec addMailbox(CloudMailboxSpec m) {
        cloudMailboxes.add(m);
        return m;
    }

    private WholeAccountSpec addWholeAccount(WholeAccountSpec w) {
        wholeAccounts.add(w);
        return w;
    }

    private static DeleteAction deleteAction(CallArgs a) throws ConfigException {
        String word = a.str("delete_action", DeleteAction.ARCHIVE.word());
        DeleteAction d = DeleteAction.forWord(word);
        if (d == null) {
            throw a.error("delete_action", "`delete_action` must be \"archive\" or \"trash\", got " + Values.repr(word));
        }
        return d;
    }

    private Office365AccountSpec office365Account(CallArgs a) throws ConfigException {
        if (a.bool("use_default_registration", false)) {
            throw a.error("use_default_registration",
                    "Office365_Account(): use_default_registration=True is not available: " + REGISTRATION_HELP);
        }
        String user = a.optStr("user");
        if (user != null && user.isBlank()) {
            throw a.error("user", "Office365_Account(): `user` must be an e-mail address or None, got \"\"");
        }
        String tenant = Values.nonBlank(a, "tenant", a.str("tenant", Office365AccountSpec.DEFAULT_TENANT));
        String clientId = a.optStr("client_id");
        if (clientId != null && clientId.isBlank()) {
            throw a.error("client_id", "Office365_Account(): `client_id` must not be empty");
        }
        Office365AccountSpec s = new Office365AccountSpec(user, tenant, clientId, a.bool("device_code", false),
                Values.url(a, "authority_host", Office365AccountSpec.DEFAULT_AUTHORITY_HOST),
                Values.rootUrl(a, "graph_endpoint", Office365AccountSpec.DEFAULT_GRAPH_ENDPOINT),
                a.intIn("max_concurrency", Office365AccountSpec.DEFAULT_MAX_CONCURRENCY, 1, 16, "between 1 and 16"),
                a.callPos());
        accounts.add(s);
        return s;
    }

    private GmailAccountSpec gmailAccount(CallArgs a) throws ConfigException {
        String user = a.str("user");
        if (user.indexOf('@') <= 0 || user.indexOf('@') == user.length() - 1 || user.chars().anyMatch(c -> c <= ' ')) {
            throw a.error("user", "GMail_Account(): `user` must be an e-mail address like \"user@gmail.com\", got "
                    + Values.repr(user));
        }
        String clientId = a.optStr("client_id");
        String secret = a.optStr("client_secret");
        GmailAccountSpec s = new GmailAccountSpec(user, clientId, secret,
                Values.url(a, "auth_endpoint", GmailAccountSpec.DEFAULT_AUTH_ENDPOINT),
                Values.url(a, "token_endpoint", GmailAccountSpec.DEFAULT_TOKEN_ENDPOINT),
                Values.url(a, "api_endpoint", GmailAccountSpec.DEFAULT_API_ENDPOINT),
                a.intIn("quota_units_per_second", GmailAccountSpec.DEFAULT_QUOTA_UNITS_PER_SECOND, 1, 1_000_000,
                        "between 1 and 1000000"),
                a.callPos());
        accounts.add(s);
        return s;
    }

    private CredentialServerSpec credentialServer(CallArgs a) throws ConfigException {
        Path path = expand(a.str("path"), a.valuePos("path"));
        List<Val> list = a.list("accounts", "a list");
        if (list.isEmpty()) {
            throw a.error("accounts", "CredentialServer(): `accounts` must list at least one account");
        }
        List<AccountSpec> served = OutboxCalls.accounts("CredentialServer", list);
        int umask = a.intIn("umask", 0600, 0, 0777, "between 0 and 0o777");
        List<Val> protos = a.list("protocols", List.of(new Val("SMTP", a.callPos())));
        if (protos.isEmpty()) {
            throw a.error("protocols", "CredentialServer(): `protocols` must list at least one of \"SMTP\", \"IMAP\"");
        }
        Set<String> protocols = new LinkedHashSet<>();
        for (Val v : protos) {
            if (!(v.v() instanceof String p) || !(p.equals("SMTP") || p.equals("IMAP"))) {
                throw new ConfigException(v.pos(), "CredentialServer(): each protocol must be \"SMTP\" or \"IMAP\", got "
                        + (v.v() instanceof String p ? Values.repr(p) : v.typeName()));
            }
            protocols.add(p);
        }
        CredentialServerSpec s = new CredentialServerSpec(path, served, umask, protocols, a.callPos());
        credentialServers.add(s);
        return s;
    }

    private RouteSpec route(CallArgs a) throws ConfigException {
        MaildirSpec to = a.spec("to", MaildirSpec.class, "a MailDir(...)");
        CloudMailboxSpec mailbox = a.optSpec("mailbox", CloudMailboxSpec.class,
                "a cloud mailbox (Office365(...) or GMail(...)) or None");
        String header = a.optStr("header");
        String equals = a.optStr("equals");
        String matches = a.optStr("matches");
        if (equals != null && matches != null) {
            throw new ConfigException(a.namePos("matches"), "Route(): give either `equals` or `matches`, not both");
        }
        String test = equals != null ? "equals" : matches != null ? "matches" : null;
        if (test != null && header == null) {
            throw new ConfigException(a.namePos(test), "Route(): `" + test + "` needs `header=` to say which"
                    + " header to test, e.g. header=\"List-Id\"");
        }
        if (header != null && test == null) {
            throw new ConfigException(a.namePos("header"), "Route(): `header` needs `equals=` or `matches=`"
                    + " to say what the header must hold");
        }
        if (header != null && (header.isEmpty() || !header.chars().allMatch(c -> c > ' ' && c < 127 && c != ':'))) {
            throw a.error("header", "Route(): `header` must be a header name like \"List-Id\", got " + Values.repr(header));
        }
        @Nullable Pattern pattern = null;
        if (matches != null) {
            try {
                pattern = Pattern.compile(matches);
            } catch (PatternSyntaxException e) {
                throw a.error("matches", "Route(): bad regular expression in `matches`: " + e.getDescription()
                        + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
            } catch (IllegalArgumentException e) {
                throw a.error("matches", "Route(): bad regular expression in `matches`: " + e.getMessage());
            }
        }
        RouteSpec r = new RouteSpec(to, mailbox, header, equals, pattern, a.callPos());
        routes.add(r);
        return r;
    }

    /** {@code cfg.<name> = value}; the name was checked by the parser. */
    void setting(String name, Val v) throws ConfigException {
        String what = "`cfg." + name + "`";
        switch (name) {
            case "message_db_dir" -> messageDbDir = expand(settingString(v, what), v.pos());
            case "poll_interval" -> pollInterval = CallArgs.intIn(v, what, 1, Integer.MAX_VALUE, "at least 1 (seconds)");
            case "safety_scan_interval" -> safetyScanInterval = CallArgs.intIn(v, what, 60, Integer.MAX_VALUE,
                    "at least 60 (seconds)");
            case "web_port" -> webPort = CallArgs.intIn(v, what, 1, 65535, "a TCP port between 1 and 65535");
            case "storage_key_file" -> {
                String s = optSettingString(v, what);
                storageKeyFile = s == null ? null : expand(s, v.pos());
            }
            case "auth_notify_cmd" -> authNotifyCmd = optSettingString(v, what);
            default -> throw new IllegalStateException(name);
        }
    }

    private static String settingString(Val v, String what) throws ConfigException {
        if (!(v.v() instanceof String s)) {
            throw new ConfigException(v.pos(), "expected a string for " + what + ", got " + v.typeName());
        }
        return s;
    }

    private static @Nullable String optSettingString(Val v, String what) throws ConfigException {
        if (v.isNone()) {
            return null;
        }
        if (!(v.v() instanceof String s)) {
            throw new ConfigException(v.pos(), "expected a string or None for " + what + ", got " + v.typeName());
        }
        return s;
    }

    /** Expands {@code ~} and resolves a relative path against the configuration file's directory. */
    Path expand(String s, SourcePos pos) throws ConfigException {
        if (s.isEmpty()) {
            throw new ConfigException(pos, "a path must not be empty");
        }
        try {
            Path p;
            if (s.equals("~")) {
                p = home;
            } else if (s.startsWith("~/")) {
                p = home.resolve(s.substring(2).replaceFirst("^/+", ""));
            } else if (s.startsWith("~")) {
                throw new ConfigException(pos, "`~user` paths are not supported; write " + Values.repr(s)
                        + " as a full path or relative to `~/`");
            } else {
                p = Path.of(s);
                if (!p.isAbsolute()) {
                    p = baseDir.resolve(p);
                }
            }
            return p.toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new ConfigException(pos, "invalid path " + Values.repr(s) + ": " + e.getReason());
        }
    }

    /** The whole-file checks, then the result. */
    SyncConfig finish() throws ConfigException {
        checkDeclaredOnce();
        if (maildirs.isEmpty() && !cloudMailboxes.isEmpty()
                && ((credentialServers.isEmpty() && !sending.declaresOutbox()) || !wholeAccounts.isEmpty())) {
            throw new ConfigException(cloudMailboxes.get(0).pos(),
                    "no MailDir(...) declared: messages need somewhere to go; add e.g. MailDir(\"~/mail/INBOX\")");
        }
        if (maildirs.isEmpty() && !routes.isEmpty()) {
            throw new ConfigException(routes.get(0).pos(), "no MailDir(...) declared: messages need somewhere to go");
        }
        OutboxSpec outbox = sending.outboxSpec(accounts, messageDbDir, credentialServers);
        SmtpSubmissionSpec smtp = sending.smtpSpec(outbox);
        if (cloudMailboxes.isEmpty() && wholeAccounts.isEmpty() && credentialServers.isEmpty() && outbox == null) {
            throw new ConfigException(file, "nothing to sync: declare a MailDir(...) and a cloud mailbox such as"
                    + " Office365(\"inbox\", Office365_Account(user=...)) or GMail(\"INBOX\", GMail_Account(user=...)),"
                    + " or a CredentialServer(...) to only serve tokens");
        }
        return new SyncConfig(file, maildirs, accounts, cloudMailboxes, routes, credentialServers,
                new Settings(messageDbDir, pollInterval, webPort, storageKeyFile, authNotifyCmd, safetyScanInterval),
                outbox, smtp, wholeAccounts);
    }

    /** Accounts, MailDirs, cloud mailboxes and credential sockets are each declared once. */
    private void checkDeclaredOnce() throws ConfigException {
        Map<String, SourcePos> seen = new HashMap<>();
        for (AccountSpec acct : accounts) {
            SourcePos first = seen.putIfAbsent(acct.key(), acct.pos());
            if (first != null) {
                throw new ConfigException(acct.pos(), "account " + acct.key() + " is declared twice (first at line "
                        + first.line() + "); bind it to a name, e.g. `account = ...`, and use that name in both places");
            }
        }
        seen.clear();
        for (MaildirSpec m : maildirs) {
            SourcePos first = seen.putIfAbsent(m.path().toString(), m.pos());
            if (first != null) {
                throw new ConfigException(m.pos(), "MailDir " + m.path() + " is declared twice (first at line "
                        + first.line() + ")");
            }
        }
        seen.clear();
        for (CloudMailboxSpec c : cloudMailboxes) {
            SourcePos first = seen.putIfAbsent(c.key(), c.pos());
            if (first != null) {
                throw new ConfigException(c.pos(), "cloud mailbox " + Values.repr(c.mailbox()) + " of account "
                        + c.account().key() + " is declared twice (first at line " + first.line() + ")");
            }
        }
        seen.clear();
        for (CredentialServerSpec c : credentialServers) {
            SourcePos first = seen.putIfAbsent(c.path().toString(), c.pos());
            if (first != null) {
                throw new ConfigException(c.pos(), "CredentialServer socket " + c.path()
                        + " is declared twice (first at line " + first.line() + ")");
            }
        }
    }


}
