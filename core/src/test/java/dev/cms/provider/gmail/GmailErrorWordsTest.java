package dev.cms.provider.gmail;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 item 11: what a failed Gmail call says reaches the user (the cycle's error line), so it
 * says what failed in words, never a Java or library class name (those stay in the cause, for -v).
 */
class GmailErrorWordsTest extends GmailFixture {
    private static void assertInWords(IOException e) {
        String m = e.getMessage();
        for (String internal : List.of("java.", "javax.", "com.google", "Exception", "Cannot invoke")) {
            assertFalse(m.contains(internal), m);
        }
    }

    private IOException listingFails(ResponseDefinitionBuilder answer) {
        wm.resetAll();
        wm.stubFor(get(urlPathEqualTo(path("profile"))).willReturn(okJson("{\"historyId\":\"1\"}")));
        wm.stubFor(get(urlPathEqualTo(path("messages"))).willReturn(answer));
        return assertThrows(IOException.class, () -> mailbox("INBOX").list(null));
    }

    @Test
    void oddListingAnswersAreDescribedInWords() {
        for (ResponseDefinitionBuilder answer : List.of(
                okJson("{\"messages\":[{\"id\":"),
                okJson("{\"messages\": 5}"),
                okJson("[1, 2]"),
                aResponse().withStatus(200).withHeader("Content-Type", "text/html").withBody("<html>hi</html>"),
                aResponse().withStatus(400).withHeader("Content-Type", "application/json").withBody("{\"error\":"),
                aResponse().withStatus(403).withHeader("Content-Type", "application/json").withBody("[]"))) {
            IOException e = listingFails(answer);
            assertInWords(e);
        }
    }

    @Test
    void oddBodyAnswersAreDescribedInWords() {
        for (String json : List.of("{\"id\":\"m1\",\"raw\":", "{\"id\":\"m1\",\"raw\":5}", "[]")) {
            wm.resetAll();
            wm.stubFor(get(urlPathEqualTo(path("messages/m1"))).withQueryParam("format", equalTo("raw"))
                    .willReturn(okJson(json)));
            IOException e = assertThrows(IOException.class,
                    () -> mailbox("INBOX").fetchBodies(List.of("m1"), (id, body, when) -> body.readAllBytes()));
            assertInWords(e);
        }
    }

    @Test
    void aDroppedConnectionIsDescribedInWords() {
        IOException e = listingFails(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
        assertInWords(e);
        assertTrue(e.getMessage().contains("after 6 attempts"), e.getMessage());
    }
}
