package dev.cms.provider.gmail;

import com.google.api.services.gmail.model.ListLabelsResponse;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.CloudAccount;
import dev.cms.provider.gmail.GmailTransport.MalformedGmailResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Lists every label of a Gmail account, for whole-account sync: one {@code labels.list}
 * (1 quota unit; it is not paged), system labels and the user's own.
 */
public final class GmailLabels {
    /** One label as {@code labels.list} gives it; {@code system} when its {@code type} is {@code "system"}. */
    public record Label(String id, String name, boolean system) {}

    /** Quota units of {@code labels.create}. */
    static final int COST_LABELS_CREATE = 5;

    private GmailLabels() {}

    /** The labels of {@code account}, in the order Gmail lists them. */
    public static List<Label> list(CloudAccount account, AccessTokenSource tokens, GmailOptions options)
            throws IOException, InterruptedException {
        Objects.requireNonNull(tokens, "tokens");
        GmailTransport transport = new GmailTransport(account.endpoint(), account.user(), tokens, options);
        ListLabelsResponse r = transport.execute("labels.list", GmailMailbox.COST_LABELS_LIST,
                transport.gmail().users().labels().list(GmailMailbox.ME), ListLabelsResponse.class);
        List<Label> out = new ArrayList<>();
        for (com.google.api.services.gmail.model.Label l : r.getLabels() == null
                ? List.<com.google.api.services.gmail.model.Label>of() : r.getLabels()) {
            if (l == null || l.getId() == null || l.getId().isEmpty() || l.getName() == null) {
                throw new MalformedGmailResponse("labels.list", "a label without id or name");
            }
            out.add(new Label(l.getId(), l.getName(), "system".equals(l.getType())));
        }
        return out;
    }

    /** Creates a user label named {@code name}, shown in Gmail's lists ({@code labels.create}, 5 quota units); returns its id. */
    public static String create(CloudAccount account, AccessTokenSource tokens, GmailOptions options, String name)
            throws IOException, InterruptedException {
        GmailTransport transport = new GmailTransport(account.endpoint(), account.user(), tokens, options);
        com.google.api.services.gmail.model.Label body = new com.google.api.services.gmail.model.Label().setName(name)
                .setLabelListVisibility("labelShow").setMessageListVisibility("show");
        com.google.api.services.gmail.model.Label made = transport.execute("labels.create", COST_LABELS_CREATE,
                transport.gmail().users().labels().create(GmailMailbox.ME, body),
                com.google.api.services.gmail.model.Label.class);
        if (made.getId() == null || made.getId().isEmpty()) {
            throw new MalformedGmailResponse("labels.create", "a label without an id");
        }
        return made.getId();
    }
}
