package dev.cms.cli;

import dev.cms.config.WholeAccountSpec;
import dev.cms.folders.AccountFolder;
import dev.cms.folders.FolderChanges;
import dev.cms.folders.FolderPlan;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The folders a whole-account call synced, kept in {@code state.db}'s meta by folder id (its
 * mailbox name and Maildir), so that a start follows what changed in the cloud while the daemon
 * was stopped as a running daemon does ({@link MaildirMoves}): a folder renamed meanwhile has its
 * Maildir renamed, one deleted has its Maildir removed. Only when the call is written as before
 * (root, patterns and layout): a call that changed in cms.cfg starts afresh and leaves the old
 * Maildirs alone.
 */
final class FolderRecords {
    private static final String VERSION = "1";

    private FolderRecords() {}

    /** The meta key of {@code call}'s record. */
    static String key(WholeAccountSpec call) {
        return "folders:" + call.account().key() + ":" + call.root();
    }

    /** The first line of a record: what the call was, so that a changed call is not taken for changed folders. */
    private static String header(WholeAccountSpec call) {
        return VERSION + "\t" + call.layout().word() + "\t" + call.filter().include() + "\t" + call.filter().exclude()
                + (call.allMail() == null ? "" : "\tall_mail=" + call.allMail());
    }

    /** {@code call}'s record of {@code folders} (those of other calls are left out). */
    static String encode(WholeAccountSpec call, List<WholeAccounts.Folder> folders) {
        StringBuilder b = new StringBuilder(header(call)).append('\n');
        for (WholeAccounts.Folder f : folders) {
            if (f.call() == call) {
                b.append(enc(f.folder().id())).append('\t').append(enc(f.folder().mailbox())).append('\t')
                        .append(enc(f.maildir().toString())).append('\n');
            }
        }
        return b.toString();
    }

    /** The folders a record holds, or null when there is none, or it was made by another call or version. */
    static @Nullable List<FolderPlan.Mapped> decode(WholeAccountSpec call, @Nullable String record) {
        if (record == null) {
            return null;
        }
        List<String> lines = record.lines().toList();
        if (lines.isEmpty() || !lines.get(0).equals(header(call))) {
            return null;
        }
        List<FolderPlan.Mapped> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t", -1);
            if (f.length != 3) {
                return null;
            }
            String mailbox = dec(f[1]);
            out.add(new FolderPlan.Mapped(new AccountFolder(dec(f[0]), mailbox, List.of(mailbox), List.of(mailbox),
                    false, List.of()), Path.of(dec(f[2]))));
        }
        return out;
    }

    /**
     * At start-up, once the folders are listed: makes the Maildirs and rows of each call follow
     * what changed since its record, then records the folders as they are now.
     */
    static void followAtStart(List<WholeAccountSpec> calls, List<WholeAccounts.Folder> folders, MessageStore store,
            StateDb db) throws IOException {
        for (WholeAccountSpec call : calls) {
            List<FolderPlan.Mapped> before = decode(call, db.meta(key(call)));
            List<FolderPlan.Mapped> now = folders.stream().filter(f -> f.call() == call)
                    .map(f -> new FolderPlan.Mapped(f.folder(), f.maildir())).toList();
            FolderChanges changes = FolderChanges.between(before == null ? now : before, now);
            new MaildirMoves(call, store, db).apply(changes, Map.of(key(call), encode(call, folders)));
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String dec(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
