package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cms.fakecloud.FakeFaults.Answer;
import dev.cms.fakecloud.RequestLog;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.UploadOutcomeUnknownException;
import dev.cms.provider.UploadRefusedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's new message through {@link GmailMailbox#upload} against the fake Gmail over HTTP:
 * into the label DRAFT it is one {@code drafts.create} (Gmail makes drafts only that way; it
 * refuses DRAFT in {@code messages.import}), and the id returned is the draft's message's, the
 * one listings and history show; into any other label it is a {@code messages.import}.
 */
class GmailUploadTest extends GmailCloudFixture {
    static final String LF = "From: alice@example.com\nTo: bob@example.com\nSubject: postponed\n"
            + "Date: Tue, 3 Feb 2026 10:15:00 +0000\n\nnot sent yet\n";

    @TempDir
    Path dir;

    private Path file(String text) throws Exception {
        Path p = dir.resolve("msg" + text.length());
        Files.writeString(p, text);
        return p;
    }

    @Test
    void intoDraftItIsOneDraftsCreateWhoseMessageIdIsReturned() throws Exception {
        String id = mailbox("DRAFT").upload(file(LF), Flags.of(Flag.FLAGGED));
        RequestLog.Calls created = calls("POST", "drafts").assertOnce();
        calls("POST", "messages/import").assertNone();
        assertEquals(List.of(id), gmail.messageIds(USER, "DRAFT"), "the draft's message");
        assertEquals(Set.of("DRAFT"), gmail.labelsOf(USER, id), "a draft carries DRAFT only, whatever the flags");
        assertArrayEquals(LF.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8), gmail.raw(USER, id),
                "CRLF on the wire");
        JsonObject sent = JsonParser.parseString(created.bodies().get(0)).getAsJsonObject();
        assertEquals(Set.of("message"), sent.keySet(), sent.toString());
        assertEquals(Set.of("raw"), sent.getAsJsonObject("message").keySet(), "no label asked for: " + sent);
    }

    @Test
    void aLargeDraftGoesThroughTheUploadUriInOneMultipartRequest() throws Exception {
        StringBuilder b = new StringBuilder(LF);
        while (b.length() < GmailImport.MAX_JSON_BYTES + 100_000) {
            b.append("a long line of a long draft, to make it larger than the JSON form takes\n");
        }
        String id = mailbox("DRAFT").upload(file(b.toString()), Flags.NONE);
        List<RequestLog.Entry> sent = requests().entries().stream()
                .filter(e -> e.method().equals("POST") && e.path().endsWith("/drafts")).toList();
        assertEquals(1, sent.size(), requests().toString());
        assertTrue(sent.get(0).path().startsWith("/upload/") && sent.get(0).query().contains("uploadType=multipart"),
                sent.get(0).toString());
        assertArrayEquals(b.toString().replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8), gmail.raw(USER, id));
        assertEquals(Set.of("DRAFT"), gmail.labelsOf(USER, id));
    }

    @Test
    void aDraftGmailRefusesIsARefusal() throws Exception {
        answerNext(1, "POST", "drafts", error(400, "invalidArgument"));
        assertThrows(UploadRefusedException.class, () -> mailbox("DRAFT").upload(file(LF), Flags.NONE));
        calls("POST", "drafts").assertOnce();
        assertEquals(List.of(), gmail.messageIds(USER, "DRAFT"));
    }

    @Test
    void aServerErrorMayHaveMadeTheDraftSoItIsNeverSentAgain() throws Exception {
        answerNext(1, "POST", "drafts", error(500, "backendError"));
        assertThrows(UploadOutcomeUnknownException.class, () -> mailbox("DRAFT").upload(file(LF), Flags.NONE));
        calls("POST", "drafts").assertOnce();
    }

    @Test
    void throttlingIsRetriedSinceGmailSurelyMadeNothing() throws Exception {
        answerNext(1, "POST", "drafts", error(429, "rateLimitExceeded"));
        String id = mailbox("DRAFT").upload(file(LF), Flags.NONE);
        calls("POST", "drafts").assertCount(2);
        assertEquals(List.of(id), gmail.messageIds(USER, "DRAFT"));
    }

    @Test
    void anAnswerWithoutAMessageIdIsAnUnknownOutcome() throws Exception {
        answerNext(1, "POST", "drafts", okJson("{\"id\":\"r1\"}"));
        assertThrows(UploadOutcomeUnknownException.class, () -> mailbox("DRAFT").upload(file(LF), Flags.NONE));
        calls("POST", "drafts").assertOnce();
    }

    @Test
    void intoAnotherLabelItIsStillAnImportWithItsFlags() throws Exception {
        String id = mailbox("INBOX").upload(file(LF), Flags.of(Flag.FLAGGED));
        calls("POST", "messages/import").assertOnce();
        calls("POST", "drafts").assertNone();
        assertEquals(Set.of("INBOX", "UNREAD", "STARRED"), gmail.labelsOf(USER, id));
    }
}
