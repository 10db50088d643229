package dev.cms.fakecloud;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The mailboxes of the {@code demo} command: generated mail in the fake services, the same
 * for the same seed (so a second run finds the messages it already has), and "another
 * client" that changes things now and then.
 */
public final class DemoWorld {
    public static final String GMAIL_USER = "you@gmail.example";
    public static final String GMAIL_CLIENT_ID = "demo-gmail-client.apps.example";
    public static final String GMAIL_CLIENT_SECRET = "demo-gmail-secret";

    private final FakeCloud cloud;
    private final Random random;
    private final MessageGenerator gmailGen;
    private final List<String> gmailIds = new ArrayList<>();

    private DemoWorld(FakeCloud cloud, long seed) {
        this.cloud = cloud;
        this.random = new Random(seed);
        this.gmailGen = new MessageGenerator(seed, GMAIL_USER).listIdRatio(0.25);
    }

    /** Fills the fakes with {@code messages} messages per account. */
    public static DemoWorld create(FakeCloud cloud, int messages, long seed) {
        DemoWorld w = new DemoWorld(cloud, seed);
        w.fillGmail(messages);
        return w;
    }

    private void fillGmail(int messages) {
        FakeGmail gmail = cloud.gmail();
        gmail.addAccount(GMAIL_USER, GMAIL_CLIENT_ID, GMAIL_CLIENT_SECRET);
        for (int i = 0; i < messages; i++) {
            MessageGenerator.Generated g = i % 50 == 17 ? gmailGen.withAttachment(1500, 400_000)
                    : gmailGen.text(1500 + random.nextInt(6000));
            gmailIds.add(gmail.addMessage(GMAIL_USER, g.raw(), g.date(), gmailLabels(i)));
        }
    }

    private Set<String> gmailLabels(int i) {
        Set<String> labels = new HashSet<>(Set.of("INBOX"));
        if (i % 3 != 0) {
            labels.add("UNREAD");
        }
        if (i % 9 == 0) {
            labels.add("STARRED");
        }
        return labels;
    }

    /** Acts as another client once: new mail, a flag, or a deletion. Returns what it did. */
    public synchronized String anotherClientActs() {
        FakeGmail gmail = cloud.gmail();
        List<String> live = new ArrayList<>();
        for (String id : gmailIds) {
            Set<String> labels = gmail.labelsOf(GMAIL_USER, id);
            if (labels != null && labels.contains("INBOX")) {
                live.add(id);
            }
        }
        int action = live.isEmpty() ? 0 : random.nextInt(4);
        switch (action) {
            case 1 -> {
                String id = live.get(random.nextInt(live.size()));
                boolean starred = gmail.labelsOf(GMAIL_USER, id).contains("STARRED");
                gmail.relabel(GMAIL_USER, id, starred ? Set.of() : Set.of("STARRED"), starred ? Set.of("STARRED") : Set.of());
                return "Gmail: another client " + (starred ? "unstarred" : "starred") + " message " + id;
            }
            case 2 -> {
                String id = live.get(random.nextInt(live.size()));
                gmail.relabel(GMAIL_USER, id, Set.of(), Set.of("UNREAD"));
                return "Gmail: another client read message " + id;
            }
            case 3 -> {
                String id = live.get(random.nextInt(live.size()));
                gmail.relabel(GMAIL_USER, id, Set.of(), Set.of("INBOX"));
                return "Gmail: another client archived message " + id;
            }
            default -> {
                MessageGenerator.Generated g = gmailGen.text(1000 + random.nextInt(3000));
                String id = gmail.addMessage(GMAIL_USER, g.raw(), Instant.now(), Set.of("INBOX", "UNREAD"));
                gmailIds.add(id);
                return "Gmail: new mail arrived: " + g.subject();
            }
        }
    }
}
