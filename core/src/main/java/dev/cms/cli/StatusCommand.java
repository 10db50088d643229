package dev.cms.cli;

import dev.cms.config.AccountSpec;
import dev.cms.config.CloudMailboxSpec;
import dev.cms.config.ConfigLoader;
import dev.cms.config.SyncConfig;
import dev.cms.store.StateDb;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import dev.cms.config.WholeAccountSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;

/** {@code status}: what {@code state.db} knows, read without disturbing a running daemon. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {
            "Show what state.db knows: messages, last cycle and logins per mailbox.",
            "Per cloud mailbox, every synced folder of a whole account included: the message",
            "count, the last successful cycle and whether an",
            "incremental-sync token is saved; per account whether a login is saved;",
            "with an Outbox, the messages waiting to be sent and those refused.",
            "Reads state.db read-only; safe while the daemon runs."})
final class StatusCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @Mixin
    ConfigReading options = new ConfigReading();

    @Override
    public Integer call() throws Exception {
        SyncConfig cfg = ConfigLoader.load(options.configFile());
        PrintWriter out = options.out();
        Path stateDir = cfg.settings().messageDbDir();
        out.println("State directory: " + stateDir + " (" + daemonState(stateDir) + ")");
        if (cfg.outbox() != null) {
            OutboxCommand.summary(stateDir, out);
        }
        Path dbFile = stateDir.resolve("state.db");
        if (!Files.exists(dbFile)) {
            out.println("No state yet: the daemon has not completed a cycle with this configuration.");
            out.flush();
            return ExitCodes.OK;
        }
        Instant now = options.ticker().now();
        try (StateDb db = StateDb.openReadOnly(dbFile)) {
            Map<String, StateDb.MailboxRow> rows = new HashMap<>();
            for (StateDb.MailboxRow r : db.loadMailboxes()) {
                rows.put(r.key(), r);
            }
            out.printf("%-44s %9s  %-34s %-11s %s%n", "MAILBOX", "MESSAGES", "LAST SUCCESSFUL CYCLE", "INCREMENTAL",
                    "LAST ERROR");
            Set<String> shown = new HashSet<>();
            for (CloudMailboxSpec m : cfg.cloudMailboxes()) {
                row(out, m.key(), rows.get(m.key()), now);
                shown.add(m.key());
            }
            for (WholeAccountSpec call : cfg.wholeAccounts()) {
                List<String> keys = folderKeys(call, rows.keySet(), shown);
                if (keys.isEmpty()) {
                    out.printf("%-44s %9s  %-34s %-11s %s%n", call.account().key() + ":*", "-", "never", "no",
                            "(" + call.callName() + "(...) at line " + call.pos().line() + ": no folder synced yet)");
                }
                for (String key : keys) {
                    row(out, key, rows.get(key), now);
                    shown.add(key);
                }
            }
            Set<String> saved = new HashSet<>(db.secretKeys());
            List<AccountSpec> accounts = cfg.accounts();
            if (!accounts.isEmpty()) {
                out.println();
                out.println("ACCOUNT                                      LOGIN");
                for (AccountSpec a : accounts) {
                    boolean has = saved.stream().anyMatch(k -> k.equals(a.key()) || k.startsWith(a.key() + ":"));
                    out.printf("%-44s %s%n", a.key(), has ? "saved (encrypted)" : "none saved: a login will be needed");
                }
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static void row(PrintWriter out, String key, StateDb.@Nullable MailboxRow r, Instant now) {
        if (r == null) {
            out.printf("%-44s %9s  %-34s %-11s %s%n", key, "-", "never", "no", "");
            return;
        }
        String last = r.lastSuccess() == null ? "never" : when(r.lastSuccess(), now);
        String err = r.lastError() == null ? "" : r.lastError()
                + (r.lastAttempt() != null ? " (" + ago(r.lastAttempt(), now) + ")" : "");
        out.printf("%-44s %9d  %-34s %-11s %s%n", key, r.messageCount(), last, r.syncToken() != null ? "yes" : "no",
                err);
    }

    /**
     * The mailboxes of {@code state.db} that are folders of {@code call}: of its account, not
     * shown already, and selected by its patterns (read back from the key, where an Office365
     * folder's names are joined by {@code /} with {@code %2F} and {@code %25} inside a name).
     */
    static List<String> folderKeys(WholeAccountSpec call, Set<String> keys, Set<String> shown) {
        String prefix = call.account().key() + ":";
        List<String> out = new ArrayList<>();
        for (String key : new TreeSet<>(keys)) {
            if (!key.startsWith(prefix) || shown.contains(key)) {
                continue;
            }
            String mailbox = key.substring(prefix.length());
            List<String> names = new ArrayList<>();
            for (String part : mailbox.split("/", -1)) {
                names.add(call.service() == CloudMailboxSpec.Service.GMAIL ? part
                        : part.replace("%2F", "/").replace("%25", "%"));
            }
            if (call.filter().selects(names)) {
                out.add(key);
            }
        }
        return out;
    }

    private static String daemonState(Path stateDir) {
        Path lock = stateDir.resolve("lock");
        try {
            String pid = Files.readString(lock, StandardCharsets.US_ASCII).trim();
            long p = Long.parseLong(pid);
            boolean alive = ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false);
            return alive ? "daemon running, pid " + p : "daemon not running";
        } catch (IOException | NumberFormatException e) {
            return "daemon not running";
        }
    }

    private static String when(Instant t, Instant now) {
        return TIME.format(t.atZone(ZoneId.systemDefault())) + " (" + ago(t, now) + ")";
    }

    static String ago(Instant t, Instant now) {
        Duration d = Duration.between(t, now);
        if (d.isNegative()) {
            return "just now";
        }
        long s = d.toSeconds();
        if (s < 60) {
            return s + " s ago";
        }
        if (s < 3600) {
            return (s / 60) + " min ago";
        }
        if (s < 86400) {
            return (s / 3600) + " h ago";
        }
        return (s / 86400) + " days ago";
    }
}
