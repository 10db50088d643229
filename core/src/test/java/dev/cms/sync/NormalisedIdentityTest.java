package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The identity a mail reader's save keeps (issue 16): the header lines mutt and neomutt add or
 * rewrite, and line ends, do not count; anything else does.
 */
class NormalisedIdentityTest {
    private static final String HEADER = "From: Ann <ann@example.org>\r\nTo: bob@example.org\r\n"
            + "Subject: quarterly figures\r\nMessage-ID: <q1@example.org>\r\n"
            + "Date: Sun, 01 Feb 2026 00:00:00 +0000\r\n";
    private static final String BODY = "Line one.\r\nLine two.\r\n";
    private static final String ORIGINAL = HEADER + "\r\n" + BODY;

    private static NormalisedIdentity id(String message) throws IOException {
        return NormalisedIdentity.of(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theLinesMuttAddsWhenItSavesDoNotCount() throws Exception {
        String saved = (HEADER + "Status: RO\r\nContent-Length: 22\r\nLines: 2\r\n\r\n" + BODY)
                .replace("\r\n", "\n");
        assertEquals(id(ORIGINAL), id(saved));
    }

    @Test
    void everyReaderFieldInAnyCaseAnywhereInTheHeaderWithItsContinuationLines() throws Exception {
        String saved = "X-Status: A\r\n" + HEADER.replace("To: ", "X-Keywords: work,\r\n\tfigures\r\nTo: ")
                + "x-label: q1\r\nCONTENT-LENGTH: 22\r\nlines : 2\r\nstatus:RO\r\n\r\n" + BODY;
        assertEquals(id(ORIGINAL), id(saved));
    }

    @Test
    void readerFieldsTheOriginalAlreadyHadMayBeChanged() throws Exception {
        String before = HEADER + "Status: O\r\nLines: 1\r\n\r\n" + BODY;
        String after = HEADER + "Status: RO\r\nLines: 2\r\nContent-Length: 22\r\n\r\n" + BODY;
        assertEquals(id(before), id(after));
    }

    @Test
    void aDifferentSubjectIsAnotherMessage() throws Exception {
        assertNotEquals(id(ORIGINAL), id(ORIGINAL.replace("quarterly figures", "quarterly figures!")));
    }

    @Test
    void aDifferentBodyIsAnotherMessage() throws Exception {
        assertNotEquals(id(ORIGINAL), id(ORIGINAL.replace("Line two.", "Line 2.")));
        assertNotEquals(id(ORIGINAL), id(ORIGINAL + "\r\n"), "a line more");
        assertNotEquals(id(ORIGINAL), id(ORIGINAL.substring(0, ORIGINAL.length() - 2)), "no last line end");
    }

    @Test
    void aReaderFieldInTheBodyIsBody() throws Exception {
        String withStatusInBody = HEADER + "\r\nStatus: RO\r\n" + BODY;
        assertNotEquals(id(HEADER + "\r\n" + BODY), id(withStatusInBody));
    }

    @Test
    void otherHeaderLinesCountEvenWhenTheyLookAlike() throws Exception {
        assertNotEquals(id(ORIGINAL), id(HEADER + "X-Statuses: A\r\n\r\n" + BODY), "not X-Status");
        assertNotEquals(id(ORIGINAL), id(HEADER + "Content-Type: text/plain\r\n\r\n" + BODY));
        assertNotEquals(id(ORIGINAL), id(HEADER.replace("To: bob", "To:  bob") + "\r\n" + BODY), "spacing");
        assertNotEquals(id(ORIGINAL), id(HEADER.replace("\r\nTo:", "\r\n\tTo:") + "\r\n" + BODY),
                "a line folded into the one before");
    }

    @Test
    void theOrderOfTheOtherFieldsCounts() throws Exception {
        String swapped = "To: bob@example.org\r\nFrom: Ann <ann@example.org>\r\n"
                + HEADER.substring(HEADER.indexOf("Subject:")) + "\r\n" + BODY;
        assertNotEquals(id(ORIGINAL), id(swapped));
    }

    @Test
    void lineEndsDoNotCountInTheBodyEither() throws Exception {
        assertEquals(id(ORIGINAL), id(ORIGINAL.replace("\r\n", "\n")));
        assertNotEquals(id(ORIGINAL), id(ORIGINAL.replace("Line one.\r\n", "Line one.\r\r\n")), "a lone CR counts");
    }

    @Test
    void aMessageThatIsAllHeaderOrEmpty() throws Exception {
        assertEquals(id(HEADER), id(HEADER.replace("\r\n", "\n") + "Lines: 0\n"));
        assertNotEquals(id(""), id("\n"));
        assertEquals(id(""), id("Status: RO\n"), "nothing but a reader's line is nothing");
    }

    @Test
    void aVeryLongHeaderLineEndsTheHeader() throws Exception {
        String longLine = "X-Long: " + "a".repeat(70 * 1024) + "\r\n";
        String one = HEADER + longLine + "Lines: 2\r\n\r\n" + BODY;
        String other = HEADER + longLine + "\r\n" + BODY;
        assertNotEquals(id(one), id(other), "what follows such a line is body, compared as it is");
        assertEquals(id(one), id(one.replace("\r\n", "\n")));
    }
}
