package dev.cms.provider.gmail;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.provider.gmail.GmailFetchAndApplyTest.Collecting;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Answers the embedded fake cloud never gives, scripted byte for byte with WireMock: JSON that
 * breaks Gmail's contract (each must be an IOException naming the call), and two labels whose
 * names differ only in case, which the fake (like Gmail's own label editor) refuses to create.
 */
class GmailScriptedAnswersTest extends GmailFixture {

    @Test
    void exactLabelNameWinsOverOneDifferingOnlyInCase() throws Exception {
        stubLabels("{\"labels\":[{\"id\":\"INBOX\",\"name\":\"INBOX\",\"type\":\"system\"},"
                + "{\"id\":\"Label_9\",\"name\":\"lists/work\",\"type\":\"user\"},"
                + "{\"id\":\"Label_7\",\"name\":\"Lists/Work\",\"type\":\"user\"}]}");
        assertEquals("Label_7", mailbox("Lists/Work").labelId());
        assertEquals("Label_9", mailbox("lists/work").labelId());
    }

    @Test
    void rawThatIsNotBase64IsMalformed() {
        wm.stubFor(get(urlPathEqualTo(path("messages/m1"))).willReturn(okJson("{\"id\":\"m1\",\"raw\":\"%%%\"}")));
        IOException e = assertThrows(IOException.class,
                () -> mailbox("INBOX").fetchBodies(List.of("m1"), new Collecting()));
        assertTrue(e.getMessage().startsWith("malformed Gmail response to messages.get"), e.getMessage());
    }

    @Test
    void historyWithoutHistoryIdIsMalformed() {
        wm.stubFor(get(urlPathEqualTo(path("history"))).withQueryParam("startHistoryId", equalTo("5"))
                .willReturn(okJson("{\"history\":[]}")));
        IOException e = assertThrows(IOException.class, () -> mailbox("INBOX").list("5"));
        assertEquals("malformed Gmail response to history.list: missing historyId", e.getMessage());
    }
}
