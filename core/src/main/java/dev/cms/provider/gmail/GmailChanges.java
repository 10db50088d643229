package dev.cms.provider.gmail;

import com.google.api.services.gmail.Gmail;
import com.google.api.services.gmail.model.BatchModifyMessagesRequest;
import com.google.api.services.gmail.model.Message;
import com.google.api.services.gmail.model.ModifyMessageRequest;
import dev.cms.config.DeleteAction;
import dev.cms.model.Flag;
import dev.cms.provider.Change;
import dev.cms.provider.ChangesOutcomeUnknownException;
import dev.cms.provider.ChangesRefusedException;
import dev.cms.provider.UploadOutcomeUnknownException;
import dev.cms.provider.UploadRefusedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one label's changes ({@link GmailMailbox#apply}) as label edits: flag changes and
 * deletions grouped by identical edit, up to {@value #MAX_IDS_PER_MODIFY} messages a
 * {@code messages.batchModify} (50 quota units); a move or copy into another label of the account,
 * with its flag changes, as one {@code messages.modify} (5 units) that adds the destination's
 * label and, for a move, removes this one. A message keeps its id in every label.
 *
 * <p>Drafts take no label edit (Gmail refuses DRAFT in {@code messages.modify} and
 * {@code batchModify}, 400 "Invalid label: DRAFT", and applies no label to a draft's message): in
 * the label {@code DRAFT} a deletion is a {@code messages.trash} (5 units) whatever the delete
 * action, a flag change sends nothing, and a move or copy out of DRAFT or into it is made by
 * content ({@link #transferByContent}): the destination gets a new message, with a new id.
 *
 * <p>All Mail ({@link Membership#ALL_MAIL}) has no label of its own: a deletion there is
 * {@code TRASH} added whatever the delete action (nothing else takes a message out of it); a
 * move into it removes the source's label only (Gmail's "archive"), a copy into it changes no
 * label; a move out of it is made as a copy by the engine ({@link GmailMailbox#keepsMessagesMovedOut}).
 */
final class GmailChanges {
    private static final Logger log = LoggerFactory.getLogger(GmailChanges.class);
    static final int COST_BATCH_MODIFY = 50;
    static final int COST_MODIFY = 5;
    static final int MAX_IDS_PER_MODIFY = 1000;

    /** One label edit: labels to add and to remove, sorted. */
    record LabelEdit(List<String> add, List<String> remove) {
        boolean isEmpty() {
            return add.isEmpty() && remove.isEmpty();
        }
    }

    private final GmailTransport transport;
    private final Gmail gmail;
    private final String key;
    private final DeleteAction deleteAction;

    GmailChanges(GmailTransport transport, String key, DeleteAction deleteAction) {
        this.transport = transport;
        this.gmail = transport.gmail();
        this.key = key;
        this.deleteAction = deleteAction;
    }

    /**
     * Applies {@code changes} of the label {@code own}; {@code into}: each move's and copy's
     * destination label. Returns the moves and copies applied (with the id, which stays).
     */
    Map<Change, String> apply(List<Change> changes, Membership own, Map<Change, Membership> into)
            throws IOException, InterruptedException {
        Map<LabelEdit, Set<String>> groups = new LinkedHashMap<>();
        for (Change c : changes) {
            LabelEdit edit = editFor(c, own);
            if (c.into() == null && c.delete() && isDraft(own)) {
                trash(c.id());
            } else if (c.into() == null && !edit.isEmpty()) {
                groups.computeIfAbsent(edit, e -> new LinkedHashSet<>()).add(c.id());
            }
        }
        for (Map.Entry<LabelEdit, Set<String>> g : groups.entrySet()) {
            List<String> ids = new ArrayList<>(g.getValue());
            for (int i = 0; i < ids.size(); i += MAX_IDS_PER_MODIFY) {
                List<String> chunk = ids.subList(i, Math.min(ids.size(), i + MAX_IDS_PER_MODIFY));
                LabelEdit e = g.getKey();
                BatchModifyMessagesRequest body = new BatchModifyMessagesRequest()
                        .setIds(new ArrayList<>(chunk))
                        .setAddLabelIds(e.add().isEmpty() ? null : e.add())
                        .setRemoveLabelIds(e.remove().isEmpty() ? null : e.remove());
                transport.execute("messages.batchModify", COST_BATCH_MODIFY,
                        gmail.users().messages().batchModify(GmailMailbox.ME, body), Void.class);
            }
        }
        Map<Change, String> placed = new LinkedHashMap<>();
        List<Change> madeAnew = new ArrayList<>();
        try {
            for (Map.Entry<Change, Membership> t : into.entrySet()) {
                transfer(t.getKey(), own, t.getValue(), placed, madeAnew);
            }
        } catch (IOException e) {
            if (madeAnew.isEmpty()) {
                throw e;
            }
            // The messages made anew before the failure are in the cloud; made again, they would be two.
            List<Change> mayExist = new ArrayList<>(madeAnew);
            if (e instanceof ChangesOutcomeUnknownException u) {
                mayExist.addAll(u.unknown());
            }
            throw new ChangesOutcomeUnknownException(e.getMessage() + " (after " + madeAnew.size()
                    + " message(s) made anew, not made again)", mayExist);
        }
        log.debug("{}: applied {} changes", key, changes.size());
        return placed;
    }

    /** One move or copy into label {@code into}: a label edit, or made anew by content for Drafts. */
    private void transfer(Change c, Membership own, Membership into, Map<Change, String> placed,
            List<Change> madeAnew) throws IOException, InterruptedException {
        if (!isDraft(own) && !isDraft(into)) {
            LabelEdit edit = transferEdit(c, own, into);
            if (edit.isEmpty() || modify(c, edit)) {
                placed.put(c, c.id()); // a copy into All Mail with no flag change: it is there already
            }
            return;
        }
        String made;
        try {
            made = transferByContent(c, own, into);
        } catch (UploadOutcomeUnknownException e) {
            throw new ChangesOutcomeUnknownException(key + ": " + (c.moves() ? "moving" : "copying")
                    + " message " + c.id() + ": " + e.getMessage() + "; not sent again", List.of(c));
        } catch (UploadRefusedException e) {
            throw new ChangesRefusedException(key + ": Gmail refused to make message " + c.id() + " anew in "
                    + into + " for a " + (c.moves() ? "move" : "copy") + ": " + e.getMessage(), List.of(c), e);
        }
        if (made != null) {
            placed.put(c, made);
            madeAnew.add(c);
        }
    }

    /**
     * The label edit for a flag change or deletion, or an empty edit when it changes nothing in
     * Gmail. In {@code DRAFT} always empty: Gmail takes no label edit of a draft (a draft's
     * message carries DRAFT only, is read and not starred; adding DRAFT, removing it or adding
     * another label is refused), so its flag changes stay local and its deletion is a
     * {@code messages.trash} ({@link #apply}).
     */
    LabelEdit editFor(Change c, Membership own) {
        Set<String> add = new TreeSet<>();
        Set<String> remove = new TreeSet<>();
        if (isDraft(own)) {
            return new LabelEdit(List.of(), List.of());
        }
        if (c.from().has(Flag.READ) != c.to().has(Flag.READ)) {
            (c.to().has(Flag.READ) ? remove : add).add(HistoryDelta.UNREAD);
        }
        if (c.from().has(Flag.FLAGGED) != c.to().has(Flag.FLAGGED)) {
            (c.to().has(Flag.FLAGGED) ? add : remove).add(HistoryDelta.STARRED);
        }
        String label = own.labelId();
        if (c.delete()) {
            if (deleteAction == DeleteAction.TRASH || label == null) {
                add.add(HistoryDelta.TRASH);
            } else {
                remove.add(label);
            }
        }
        return new LabelEdit(List.copyOf(add), List.copyOf(remove));
    }

    /**
     * The label edit of a move or copy into {@code into}: its flag changes with the labels (none
     * for All Mail, which every message out of the trash is in).
     */
    LabelEdit transferEdit(Change c, Membership own, Membership into) {
        LabelEdit flags = editFor(c, own);
        Set<String> add = new TreeSet<>(flags.add());
        Set<String> remove = new TreeSet<>(flags.remove());
        if (into.labelId() != null) {
            add.add(into.labelId());
        }
        if (c.moves() && own.labelId() != null) {
            remove.add(own.labelId());
        }
        return new LabelEdit(List.copyOf(add), List.copyOf(remove));
    }

    /**
     * A move or copy out of or into {@code DRAFT}, which no label edit can make (Gmail neither
     * adds nor removes DRAFT, nor labels a draft): the message's bytes ({@code messages.get}) made
     * a new message in the destination ({@code messages.import} with the flags, or
     * {@code drafts.create} into DRAFT); for a move, then the original leaves: a draft to the
     * trash, another message loses this label. Nothing is removed before the new message exists.
     * The new message's id, or null when the original is gone. A new message that may have been
     * made (its outcome unknown, or made while the original could not leave) is reported as
     * {@link ChangesOutcomeUnknownException}: the engine never makes it again.
     */
    private @Nullable String transferByContent(Change c, Membership own, Membership into)
            throws IOException, InterruptedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean[] found = {false};
        new GmailBodies(transport, key).fetchOne(c.id(), (id, body, when) -> {
            body.transferTo(bytes);
            found[0] = true;
        });
        if (!found[0]) {
            log.debug("{}: message {} is gone; not moved or copied", key, c.id());
            return null;
        }
        String made = new GmailImport(transport, key).upload(into.labelId(), bytes.toByteArray(), c.to());
        if (c.moves()) {
            try {
                if (isDraft(own)) {
                    trash(c.id());
                } else if (own.labelId() != null) {
                    modify(c, new LabelEdit(List.of(), List.of(own.labelId())));
                }
            } catch (IOException e) {
                // Half made: a second import would be a second message. The original's file left
                // its Maildir, so the next cycle takes that for its deletion, which ends the move.
                throw new ChangesOutcomeUnknownException(key + ": message " + c.id() + " was made in " + into
                        + " as " + made + ", but the original could not leave: " + e.getMessage(), List.of(c));
            }
        }
        return made;
    }

    /**
     * A draft deleted locally: {@code messages.trash} (5 units), whatever the delete action says,
     * since a draft cannot be archived (its DRAFT label cannot be removed); like a draft
     * discarded in the web UI it stays in the trash for 30 days. A message already gone (404) is
     * fine.
     */
    private void trash(String id) throws IOException, InterruptedException {
        try {
            transport.execute("messages.trash", COST_MODIFY,
                    gmail.users().messages().trash(GmailMailbox.ME, id), Message.class);
        } catch (GmailStatusException gone) {
            if (gone.status() != 404) {
                throw gone;
            }
            log.debug("{}: draft {} is gone (HTTP 404); nothing to trash", key, id);
        }
    }

    private static boolean isDraft(Membership m) {
        return GmailImport.DRAFT.equals(m.labelId());
    }

    /** One {@code messages.modify}; false when the message is gone (404). */
    private boolean modify(Change c, LabelEdit e) throws IOException, InterruptedException {
        ModifyMessageRequest body = new ModifyMessageRequest()
                .setAddLabelIds(e.add().isEmpty() ? null : e.add())
                .setRemoveLabelIds(e.remove().isEmpty() ? null : e.remove());
        try {
            transport.execute("messages.modify", COST_MODIFY,
                    gmail.users().messages().modify(GmailMailbox.ME, Objects.requireNonNull(c.id()), body), Message.class);
            return true;
        } catch (GmailStatusException gone) {
            if (gone.status() != 404) {
                throw gone;
            }
            log.debug("{}: message {} is gone (HTTP 404); not moved or copied", key, c.id());
            return false;
        }
    }
}
