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
    public static final String O365_USER = "you@contoso.example";
    public static final String O365_CLIENT_ID = "d3m0c1e0-0000-4000-8000-000000000365";
    /** The nested Office365 folder of the demo (a mailing list filed by a server rule). */
    public static final String O365_LIST_FOLDER = "Inbox/Lists/kernel";

    private final FakeCloud cloud;
    private final FakeMicrosoft microsoft;
    private final Random random;
    private final MessageGenerator gmailGen;
    private final List<String> gmailIds = new ArrayList<>();
    private final MessageGenerator o365Gen;
    private final List<String> o365Ids = new ArrayList<>();

    private DemoWorld(FakeCloud cloud, FakeMicrosoft microsoft, long seed) {
        this.cloud = cloud;
        this.microsoft = microsoft;
        this.o365Gen = new MessageGenerator(seed + 1, O365_USER).listIdRatio(0);
        this.random = new Random(seed);
        this.gmailGen = new MessageGenerator(seed, GMAIL_USER).listIdRatio(0.25);
    }

    /** Fills the fakes with {@code messages} messages per account; {@code microsoft} may be null. */
    public static DemoWorld create(FakeCloud cloud, FakeMicrosoft microsoft, int messages, long seed) {
        DemoWorld w = new DemoWorld(cloud, microsoft, seed);
        w.fillGmail(messages);
        if (microsoft != null) {
            w.fillOffice365(messages);
        }
        return w;
    }

    private void fillOffice365(int messages) {
        FakeGraph graph = microsoft.graph();
        graph.addUser(O365_USER, O365_CLIENT_ID);
        String lists = graph.addFolder(O365_USER, "inbox", "Lists");
        String kernel = graph.addFolder(O365_USER, lists, "kernel");
        for (int i = 0; i < messages; i++) {
            MessageGenerator.Generated g = i % 60 == 29 ? o365Gen.withAttachment(1500, 600_000)
                    : o365Gen.text(1500 + random.nextInt(6000));
            String folder = i % 4 == 0 ? kernel : "inbox";
            o365Ids.add(graph.addMessage(O365_USER, folder, g.raw(), g.date(), i % 3 == 0,
                    i % 8 == 0 ? "flagged" : "notFlagged", i % 6 == 0));
        }
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
        if (microsoft != null && random.nextBoolean()) {
            return office365Acts();
        }
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

    private String office365Acts() {
        FakeGraph graph = microsoft.graph();
        String inbox = graph.folderId(O365_USER, "inbox");
        List<String> live = new ArrayList<>();
        for (String id : o365Ids) {
            FakeGraph.MessageState m = graph.message(O365_USER, id);
            if (m != null && m.folderId().equals(inbox)) {
                live.add(id);
            }
        }
        int action = live.isEmpty() ? 0 : random.nextInt(4);
        switch (action) {
            case 1 -> {
                String id = live.get(random.nextInt(live.size()));
                boolean flagged = "flagged".equals(graph.message(O365_USER, id).flagStatus());
                graph.update(O365_USER, id, null, flagged ? "notFlagged" : "flagged");
                return "Office365: another client " + (flagged ? "unflagged" : "flagged") + " a message";
            }
            case 2 -> {
                String id = live.get(random.nextInt(live.size()));
                graph.update(O365_USER, id, true, null);
                return "Office365: another client read a message";
            }
            case 3 -> {
                String id = live.get(random.nextInt(live.size()));
                graph.move(O365_USER, id, "archive");
                return "Office365: another client archived a message";
            }
            default -> {
                MessageGenerator.Generated g = o365Gen.text(1000 + random.nextInt(3000));
                o365Ids.add(graph.addMessage(O365_USER, "inbox", g.raw(), Instant.now(), false, "notFlagged", false));
                return "Office365: new mail arrived: " + g.subject();
            }
        }
    }
}
