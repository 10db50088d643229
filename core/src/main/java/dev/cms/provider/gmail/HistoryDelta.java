package dev.cms.provider.gmail;

import com.google.api.services.gmail.model.History;
import com.google.api.services.gmail.model.HistoryLabelAdded;
import com.google.api.services.gmail.model.HistoryLabelRemoved;
import com.google.api.services.gmail.model.HistoryMessageAdded;
import com.google.api.services.gmail.model.HistoryMessageDeleted;
import com.google.api.services.gmail.model.Message;
import dev.cms.model.CloudMessage;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.gmail.GmailTransport.MalformedGmailResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Folds Gmail history records, in order, into what changed in one label (or All Mail:
 * {@link Membership}): messages that are (now) in it with their flags, and ids that left it. A
 * later record about a message overrides an earlier one.
 */
final class HistoryDelta {
    static final String UNREAD = "UNREAD";
    static final String STARRED = "STARRED";
    static final String TRASH = "TRASH";
    static final String SPAM = "SPAM";

    private final Membership membership;
    private final String call;
    /** id → flags of a message in the label, or null for a message that left it. */
    private final Map<String, Flags> state = new LinkedHashMap<>();

    HistoryDelta(String labelId, String call) {
        this(Membership.label(labelId), call);
    }

    HistoryDelta(Membership membership, String call) {
        this.membership = membership;
        this.call = call;
    }

    /** The managed flags Gmail's labels stand for: READ without UNREAD, FLAGGED with STARRED. */
    static Flags flagsOf(List<String> labelIds) {
        Flags f = Flags.NONE;
        if (!labelIds.contains(UNREAD)) {
            f = f.with(Flag.READ);
        }
        if (labelIds.contains(STARRED)) {
            f = f.with(Flag.FLAGGED);
        }
        return f;
    }

    void apply(History record) throws MalformedGmailResponse {
        if (record.getMessagesAdded() != null) {
            for (HistoryMessageAdded added : record.getMessagesAdded()) {
                Message m = message(added == null ? null : added.getMessage(), "messagesAdded");
                List<String> labels = labels(m.getLabelIds(), "messagesAdded[].message.labelIds");
                if (membership.holds(labels)) {
                    state.put(m.getId(), flagsOf(labels));
                }
            }
        }
        if (record.getLabelsAdded() != null) {
            for (HistoryLabelAdded added : record.getLabelsAdded()) {
                Message m = message(added == null ? null : added.getMessage(), "labelsAdded");
                List<String> changed = labels(added.getLabelIds(), "labelsAdded[].labelIds");
                if (changed.contains(TRASH) || changed.contains(SPAM)) {
                    state.put(m.getId(), null);
                } else if (touchesUs(changed)) {
                    update(m, "labelsAdded[].message.labelIds");
                }
            }
        }
        if (record.getLabelsRemoved() != null) {
            for (HistoryLabelRemoved removed : record.getLabelsRemoved()) {
                Message m = message(removed == null ? null : removed.getMessage(), "labelsRemoved");
                List<String> changed = labels(removed.getLabelIds(), "labelsRemoved[].labelIds");
                if (membership.isNamedIn(changed)) {
                    state.put(m.getId(), null);
                } else if (touchesUs(changed) || changed.contains(TRASH) || changed.contains(SPAM)) {
                    update(m, "labelsRemoved[].message.labelIds");
                }
            }
        }
        if (record.getMessagesDeleted() != null) {
            for (HistoryMessageDeleted deleted : record.getMessagesDeleted()) {
                Message m = message(deleted == null ? null : deleted.getMessage(), "messagesDeleted");
                state.put(m.getId(), null);
            }
        }
    }

    List<CloudMessage> changed() {
        List<CloudMessage> out = new ArrayList<>();
        state.forEach((id, flags) -> {
            if (flags != null) {
                out.add(new CloudMessage(id, flags, null));
            }
        });
        return out;
    }

    Set<String> removed() {
        Set<String> out = new LinkedHashSet<>();
        state.forEach((id, flags) -> {
            if (flags == null) {
                out.add(id);
            }
        });
        return out;
    }

    /** A label edit that matters here: our label, or a label that carries a flag. */
    private boolean touchesUs(List<String> changed) {
        return membership.isNamedIn(changed) || changed.contains(UNREAD) || changed.contains(STARRED);
    }

    /** The message's labels after the edit decide: in our label with its flags, or gone. */
    private void update(Message m, String field) throws MalformedGmailResponse {
        List<String> labels = labels(m.getLabelIds(), field);
        if (membership.holds(labels)) {
            state.put(m.getId(), flagsOf(labels));
        } else if (state.containsKey(m.getId()) || labels.contains(TRASH) || labels.contains(SPAM)) {
            state.put(m.getId(), null);
        }
    }

    private Message message(@Nullable Message m, String field) throws MalformedGmailResponse {
        if (m == null || m.getId() == null || m.getId().isEmpty()) {
            throw new MalformedGmailResponse(call, "a " + field + " record without a message id");
        }
        return m;
    }

    private List<String> labels(List<String> labels, String field) throws MalformedGmailResponse {
        if (labels == null) {
            throw new MalformedGmailResponse(call, "missing " + field);
        }
        return labels;
    }
}
