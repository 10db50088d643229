package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.FakeFaults;
import dev.cms.fakecloud.FakeFaults.Answer;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 item 11: what a failed Gmail call says reaches the user (the cycle's error line), so it
 * says what failed in words, never a Java or library class name (those stay in the cause, for -v).
 */
class GmailErrorWordsTest extends GmailCloudFixture {
    private static void assertInWords(IOException e) {
        String m = e.getMessage();
        for (String internal : List.of("java.", "javax.", "com.google", "Exception", "Cannot invoke")) {
            assertFalse(m.contains(internal), m);
        }
    }

    /** The listing of a fresh mailbox, whose messages.list meets {@code rule}'s answer. */
    private IOException listingFails(java.util.function.Consumer<FakeFaults.Rule> rule) {
        faults().clear();
        rule.accept(faults().next(FakeFaults.ALWAYS, "GET", path("messages")));
        return assertThrows(IOException.class, () -> mailbox("INBOX").list(null));
    }

    @Test
    void oddListingAnswersAreDescribedInWords() {
        for (Answer answer : List.of(
                okJson("{\"messages\":[{\"id\":"),
                okJson("{\"messages\": 5}"),
                okJson("[1, 2]"),
                Answer.status(200).body("text/html", "<html>hi</html>"),
                Answer.status(400).json("{\"error\":"),
                Answer.status(403).json("[]"))) {
            IOException e = listingFails(r -> r.answer(answer));
            assertInWords(e);
        }
        calls("GET", "messages").withStatus(200).assertCount(4);
    }

    @Test
    void oddBodyAnswersAreDescribedInWords() {
        String m1 = add("Subject: x\r\n\r\nbody\r\n", NOW, "INBOX");
        for (String json : List.of("{\"id\":\"m1\",\"raw\":", "{\"id\":\"m1\",\"raw\":5}", "[]")) {
            answerNext(1, "GET", "messages/" + m1, okJson(json));
            IOException e = assertThrows(IOException.class,
                    () -> mailbox("INBOX").fetchBodies(List.of(m1), (id, body, when) -> body.readAllBytes()));
            assertInWords(e);
        }
        calls("GET", "messages/" + m1).withQuery("format", "raw").assertCount(3);
    }

    @Test
    void aDroppedConnectionIsDescribedInWords() {
        IOException e = listingFails(FakeFaults.Rule::reset);
        assertInWords(e);
        assertTrue(e.getMessage().contains("after 6 attempts"), e.getMessage());
    }
}
