package dev.cms.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The sending side of one cms.cfg: its {@code Outbox(...)} and {@code SmtpSubmission(...)} calls,
 * each allowed once, recorded as the parser meets them and turned into specs at the end of the
 * file, when the accounts and the state directory (the outbox socket's default) are known.
 */
final class OutboxCalls {
    /** Expands a path written in the file, as {@link Interpreter#expand} does. */
    @FunctionalInterface
    interface PathExpander {
        Path expand(String s, SourcePos pos) throws ConfigException;
    }

    private @Nullable CallArgs outboxCall;
    private @Nullable List<AccountSpec> outboxAccounts;
    private @Nullable Path outboxPath;
    private int outboxUmask;
    private @Nullable CallArgs smtpCall;
    private int smtpPort;
    private @Nullable List<AccountSpec> smtpAccounts;

    boolean declaresOutbox() {
        return outboxCall != null;
    }

    /** {@code Outbox(accounts=..., path=..., umask=...)}. */
    String outbox(CallArgs a, PathExpander paths) throws ConfigException {
        if (outboxCall != null) {
            throw new ConfigException(a.callPos(), "Outbox(...) is declared twice (first at line "
                    + outboxCall.callPos().line() + "); one outbox sends for every account it lists");
        }
        List<Val> list = a.optList("accounts");
        @Nullable List<AccountSpec> served = null;
        if (list != null) {
            if (list.isEmpty()) {
                throw a.error("accounts", "Outbox(): `accounts` must list at least one account (or leave it out:"
                        + " every account)");
            }
            served = accounts("Outbox", list);
        }
        @Nullable String path = a.optStr("path");
        outboxPath = path == null ? null : paths.expand(path, a.valuePos("path"));
        outboxUmask = a.intIn("umask", 0600, 0, 0777, "between 0 and 0o777");
        outboxAccounts = served;
        outboxCall = a;
        return "Outbox";
    }

    /** {@code SmtpSubmission(port=..., accounts=...)}. */
    String smtpSubmission(CallArgs a) throws ConfigException {
        if (smtpCall != null) {
            throw new ConfigException(a.callPos(), "SmtpSubmission(...) is declared twice (first at line "
                    + smtpCall.callPos().line() + ")");
        }
        smtpPort = a.intIn("port", 1587, 1, 65535, "a TCP port between 1 and 65535");
        List<Val> list = a.optList("accounts");
        if (list != null) {
            if (list.isEmpty()) {
                throw a.error("accounts", "SmtpSubmission(): `accounts` must list at least one account (or leave it"
                        + " out: the Outbox's accounts)");
            }
            smtpAccounts = accounts("SmtpSubmission", list);
        }
        smtpCall = a;
        return "SmtpSubmission";
    }

    /**
     * The accounts of {@code list}, each once, in order.
     *
     * @throws ConfigException at the first element that is not an account
     */
    static List<AccountSpec> accounts(String call, List<Val> list) throws ConfigException {
        Set<AccountSpec> set = new LinkedHashSet<>();
        for (Val v : list) {
            if (!(v.v() instanceof AccountSpec acct)) {
                throw new ConfigException(v.pos(), call + "(): expected an account (Office365_Account(...)"
                        + " or GMail_Account(...)) in `accounts`, got " + v.typeName());
            }
            set.add(acct);
        }
        return new ArrayList<>(set);
    }

    /**
     * The outbox, or null when the file declares none.
     *
     * @param accounts every account the file declares, which an {@code Outbox()} without
     *     {@code accounts=} sends for
     */
    @Nullable OutboxSpec outboxSpec(List<AccountSpec> accounts, Path messageDbDir,
            List<CredentialServerSpec> credentialServers) throws ConfigException {
        if (outboxCall == null) {
            return null;
        }
        List<AccountSpec> served = outboxAccounts != null ? outboxAccounts : accounts;
        if (served.isEmpty()) {
            throw new ConfigException(outboxCall.callPos(), "Outbox(): no account to send for: declare an"
                    + " Office365_Account(...) or GMail_Account(...)");
        }
        for (AccountSpec acct : served) {
            if (acct.user() == null || acct.user().isBlank()) {
                throw new ConfigException(acct.pos() != null ? acct.pos() : outboxCall.callPos(),
                        "Outbox(): an account that sends mail needs its address: add user=\"you@example.com\"");
            }
        }
        Path socket = outboxPath != null ? outboxPath : messageDbDir.resolve("outbox.sock");
        for (CredentialServerSpec c : credentialServers) {
            if (c.path().equals(socket)) {
                throw new ConfigException(outboxCall.callPos(), "Outbox socket " + socket
                        + " is also a CredentialServer's socket; give Outbox(path=...) another path");
            }
        }
        return new OutboxSpec(socket, served, outboxUmask, outboxCall.callPos());
    }

    /** The SMTP submission port, or null when the file declares none; it needs {@code outbox}. */
    @Nullable SmtpSubmissionSpec smtpSpec(@Nullable OutboxSpec outbox) throws ConfigException {
        if (smtpCall == null) {
            return null;
        }
        if (outbox == null) {
            throw new ConfigException(smtpCall.callPos(), "SmtpSubmission(...) queues into the outbox: declare"
                    + " an Outbox(...) too");
        }
        List<AccountSpec> served = smtpAccounts != null ? smtpAccounts : outbox.accounts();
        for (AccountSpec acct : served) {
            if (!outbox.accounts().contains(acct)) {
                throw new ConfigException(smtpCall.callPos(), "SmtpSubmission(): " + acct.key() + " is not"
                        + " among the accounts Outbox(...) sends for");
            }
        }
        return new SmtpSubmissionSpec(smtpPort, served, smtpCall.callPos());
    }
}
