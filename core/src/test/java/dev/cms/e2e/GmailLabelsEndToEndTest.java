package dev.cms.e2e;

import static dev.cms.testing.FakeGmailAssert.assertThatGmail;
import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.config.DeleteAction;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirFolder;
import dev.cms.provider.CloudMailbox;
import dev.cms.sync.CycleReport;
import dev.cms.sync.Router;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Two Gmail labels of one account, each into its own Maildir, with the real Gmail provider
 * against the embedded fake: one message carries both labels (issue 12, items 17 and 18).
 */
class GmailLabelsEndToEndTest extends GmailEngineFixture {
    static final String USER = "dave@gmail.example";

    GmailLabelsEndToEndTest() {
        super(USER);
    }

    /** One Maildir per label: {@code mail0}, {@code mail1}, ... */
    private void startEngine(String... labels) throws Exception {
        List<CloudMailbox> boxes = new ArrayList<>();
        List<MaildirFolder> maildirs = new ArrayList<>();
        List<Router.Rule> rules = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            boxes.add(mailbox(labels[i], DeleteAction.ARCHIVE));
            maildirs.add(MaildirFolder.open(mail(i)));
            rules.add(new Router.Rule(i, i, null, null, null));
        }
        startEngine(maildirs, boxes, new Router(rules));
    }

    private Path mail(int i) {
        return tmp.resolve("mail" + i);
    }

    private List<MaildirFile> files(int i) throws Exception {
        return MaildirFolder.open(mail(i)).scan();
    }

    /** Item 18: a flag pushed through one label's Maildir shows in the other's in the same cycle. */
    @Test
    void aFlagSetInOneLabelsMaildirReachesTheOtherLabelsMaildirInTheSameCycle() throws Exception {
        gmail.addLabel(USER, "Lists");
        String labelId = gmail.addLabel(USER, "Work");
        MessageGenerator gen = new MessageGenerator(5, USER);
        MessageGenerator.Generated g = gen.text(600);
        String id = gmail.addMessage(USER, g.raw(), g.date(), Set.of("INBOX", labelId, "UNREAD"));
        startEngine("INBOX", "Work");
        cycle();
        assertThatMaildir(mail(0)).hasMessages(1).hasMessage(g.raw()).withFlags("");
        assertThatMaildir(mail(1)).hasMessages(1).hasMessage(g.raw()).withFlags("");
        assertEquals(1, rawGets(), "one body for both labels");

        MaildirFile f = files(0).get(0);
        Files.move(f.path(), f.path().getParent().getParent().resolve("cur").resolve(f.name().base() + ":2,FS"));
        CycleReport r = cycle();

        assertEquals(1, r.pushedFlags(), "pushed once, through the label where it was set");
        assertThatGmail(gmail, USER).message(id).hasLabels("STARRED").lacksLabels("UNREAD");
        // the other label's file, in the same cycle
        assertThatMaildir(mail(1)).hasMessages(1).hasMessage(g.raw()).withFlags("FS");
        assertTrue(cycle().idle(), "and the next poll has nothing left to do");
    }

    /** Item 17: a message moved from one synced label to another is not downloaded again. */
    @Test
    void aMessageMovedBetweenSyncedLabelsIsNotDownloadedAgain() throws Exception {
        String labelId = gmail.addLabel(USER, "Work");
        MessageGenerator gen = new MessageGenerator(6, USER);
        MessageGenerator.Generated g = gen.text(600);
        String id = gmail.addMessage(USER, g.raw(), g.date(), Set.of("INBOX"));
        startEngine("INBOX", "Work");
        cycle();
        assertEquals(1, rawGets());

        gmail.relabel(USER, id, Set.of(labelId), Set.of("INBOX"));
        cycle();

        assertThatMaildir(mail(0)).isEmpty();
        assertThatMaildir(mail(1)).hasMessages(1).hasMessage(g.raw());
        assertEquals(1, rawGets(), "the body was already in the store");
        cycle();
        assertThatMaildir(mail(1)).hasMessages(1).hasMessage(g.raw()); // still there after the next cycle
    }
}
