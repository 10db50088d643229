package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.provider.gmail.GmailFetchAndApplyTest.Collecting;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Answers the embedded fake Gmail never gives of its own, scripted on it: JSON that breaks
 * Gmail's contract (each must be an IOException naming the call), and two labels whose names
 * differ only in case, which the fake (like Gmail's own label editor) refuses to create.
 */
class GmailScriptedAnswersTest extends GmailCloudFixture {

    @Test
    void exactLabelNameWinsOverOneDifferingOnlyInCase() throws Exception {
        answerNext(2, "GET", "labels", okJson("{\"labels\":[{\"id\":\"INBOX\",\"name\":\"INBOX\",\"type\":\"system\"},"
                + "{\"id\":\"Label_9\",\"name\":\"lists/work\",\"type\":\"user\"},"
                + "{\"id\":\"Label_7\",\"name\":\"Lists/Work\",\"type\":\"user\"}]}"));
        assertEquals("Label_7", mailbox("Lists/Work").labelId());
        assertEquals("Label_9", mailbox("lists/work").labelId());
        calls("GET", "labels").withStatus(200).assertCount(2);
    }

    @Test
    void rawThatIsNotBase64IsMalformed() {
        String m1 = add("Subject: x\r\n\r\nbody\r\n", NOW, "INBOX");
        answerNext(1, "GET", "messages/" + m1, okJson("{\"id\":\"" + m1 + "\",\"raw\":\"%%%\"}"));
        IOException e = assertThrows(IOException.class,
                () -> mailbox("INBOX").fetchBodies(List.of(m1), new Collecting()));
        assertTrue(e.getMessage().startsWith("malformed Gmail response to messages.get"), e.getMessage());
    }

    @Test
    void historyWithoutHistoryIdIsMalformed() {
        String start = Long.toString(gmail.historyId(USER));
        answerNext(1, "GET", "history", okJson("{\"history\":[]}"));
        IOException e = assertThrows(IOException.class, () -> mailbox("INBOX").list(start));
        assertEquals("malformed Gmail response to history.list: missing historyId", e.getMessage());
        calls("GET", "history").withQuery("startHistoryId", start).assertOnce();
    }
}
