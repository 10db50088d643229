package dev.cms.provider.graph;

import com.microsoft.graph.models.FollowupFlag;
import com.microsoft.graph.models.FollowupFlagStatus;
import com.microsoft.graph.models.Message;
import com.microsoft.graph.models.SingleValueLegacyExtendedProperty;
import dev.cms.model.CloudMessage;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads the SDK's {@link Message}s into {@link CloudMessage}s and writes the flag edits back
 * as a {@link Message} to PATCH. The replied state lives in MAPI properties:
 * PidTagLastVerbExecuted ({@code Integer 0x1081}) 102 (reply), 103 (reply to all) or 104
 * (forward), or PidTagIconIndex ({@code Integer 0x1080}) 0x105 (replied mail), 0x106
 * (forwarded mail), 0x113 (encrypted replied) or 0x114 (S/MIME signed replied). A forward
 * counts as answered, as in the Python original: Maildir readers have one "answered" mark.
 */
final class GraphMessages {
    static final String LAST_VERB = "Integer 0x1081";
    static final String LAST_VERB_TIME = "SystemTime 0x1082";
    static final String ICON_INDEX = "Integer 0x1080";
    static final int VERB_REPLY = 102;
    static final int VERB_REPLY_ALL = 103;
    static final int VERB_FORWARD = 104;
    static final int ICON_REPLIED = 0x105;
    static final int ICON_READ = 0x100;
    static final int ICON_UNREAD = 0x101;
    static final Set<Integer> REPLIED_ICONS = Set.of(ICON_REPLIED, 0x106, 0x113, 0x114);
    /** The fields a listing asks for; the replied state comes with {@link #EXPAND}. */
    static final String[] SELECT = {"internetMessageId", "isRead", "flag", "receivedDateTime"};
    static final String[] EXPAND = {"singleValueExtendedProperties($filter=id eq '" + LAST_VERB + "' or id eq '"
            + ICON_INDEX + "')"};

    private GraphMessages() {}

    /** The id of a listed entry, which must be a non-empty string. */
    static String id(String call, Message m) throws MalformedGraphResponse {
        if (m == null) {
            throw new MalformedGraphResponse(call, "a listed entry that is not a JSON object");
        }
        String id = m.getId();
        if (id == null || id.isEmpty()) {
            throw new MalformedGraphResponse(call, "a listed message without an id");
        }
        return id;
    }

    /** Whether a delta entry reports the message gone from the folder. */
    static boolean removed(Message m) {
        return m.getAdditionalData().containsKey("@removed");
    }

    static CloudMessage message(String call, String id, Message m) throws MalformedGraphResponse {
        Boolean isRead = m.getIsRead();
        if (isRead == null) {
            throw new MalformedGraphResponse(call, "message " + id + " has no boolean isRead");
        }
        Flags flags = Flags.NONE.with(Flag.READ, isRead)
                .with(Flag.FLAGGED, m.getFlag() != null && m.getFlag().getFlagStatus() == FollowupFlagStatus.Flagged)
                .with(Flag.REPLIED, replied(m));
        OffsetDateTime received = m.getReceivedDateTime();
        return new CloudMessage(id, flags, received == null ? null : received.toInstant());
    }

    static boolean replied(Message m) {
        List<SingleValueLegacyExtendedProperty> props = m.getSingleValueExtendedProperties();
        if (props == null) {
            return false;
        }
        boolean replied = false;
        for (SingleValueLegacyExtendedProperty p : props) {
            if (p == null || p.getId() == null || p.getValue() == null) {
                continue;
            }
            Integer v = parseInt(p.getValue());
            if (p.getId().equalsIgnoreCase(LAST_VERB)) {
                replied |= v != null && (v == VERB_REPLY || v == VERB_REPLY_ALL || v == VERB_FORWARD);
            } else if (p.getId().equalsIgnoreCase(ICON_INDEX)) {
                replied |= v != null && REPLIED_ICONS.contains(v);
            }
        }
        return replied;
    }

    private static @Nullable Integer parseInt(String s) {
        try {
            return Integer.valueOf(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The PATCH for the supported flags that differ between {@code from} and {@code to}, or
     * null when none does. Setting replied writes PidTagLastVerbExecuted = 103 (reply to all),
     * PidTagLastVerbExecutionTime = {@code now} and PidTagIconIndex = 0x105 (replied mail);
     * clearing it writes the verb 0 (no verb) and the icon of read (0x100) or unread (0x101)
     * mail, so neither property says "replied".
     */
    static @Nullable Message patch(Flags from, Flags to, Instant now) {
        Message m = new Message();
        boolean any = false;
        if (from.has(Flag.READ) != to.has(Flag.READ)) {
            m.setIsRead(to.has(Flag.READ));
            any = true;
        }
        if (from.has(Flag.FLAGGED) != to.has(Flag.FLAGGED)) {
            FollowupFlag flag = new FollowupFlag();
            flag.setFlagStatus(to.has(Flag.FLAGGED) ? FollowupFlagStatus.Flagged : FollowupFlagStatus.NotFlagged);
            m.setFlag(flag);
            any = true;
        }
        if (from.has(Flag.REPLIED) != to.has(Flag.REPLIED)) {
            List<SingleValueLegacyExtendedProperty> props = new ArrayList<>();
            if (to.has(Flag.REPLIED)) {
                props.add(property(LAST_VERB, Integer.toString(VERB_REPLY_ALL)));
                props.add(property(LAST_VERB_TIME, now.truncatedTo(ChronoUnit.SECONDS).toString()));
                props.add(property(ICON_INDEX, Integer.toString(ICON_REPLIED)));
            } else {
                props.add(property(LAST_VERB, "0"));
                props.add(property(ICON_INDEX, Integer.toString(to.has(Flag.READ) ? ICON_READ : ICON_UNREAD)));
            }
            m.setSingleValueExtendedProperties(props);
            any = true;
        }
        return any ? m : null;
    }

    private static SingleValueLegacyExtendedProperty property(String id, String value) {
        SingleValueLegacyExtendedProperty p = new SingleValueLegacyExtendedProperty();
        p.setId(id);
        p.setValue(value);
        return p;
    }
}
