package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
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
        return id(message.getBytes(StandardCharsets.UTF_8));
    }

    private static NormalisedIdentity id(byte[] message) throws IOException {
        return NormalisedIdentity.of(new ByteArrayInputStream(message));
    }

    /**
     * A message as the store keeps it (LF line ends, none of the reader's fields) has its own
     * bytes as identity: their SHA-256 and their size. The size is what a save is looked up by
     * among the files of the other Maildirs, so one byte more or less and the original is not found.
     */
    private static void assertOwnBytes(String message, String what) throws Exception {
        assertOwnBytes(message.getBytes(StandardCharsets.ISO_8859_1), what);
    }

    private static void assertOwnBytes(byte[] message, String what) throws Exception {
        NormalisedIdentity id = id(message);
        assertEquals(message.length, id.length(), what + ": the size covered");
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(message)), id.hex(),
                what + ": the digest");
    }

    private static final String LF_HEADER = HEADER.replace("\r\n", "\n");
    private static final String LF_BODY = BODY.replace("\r\n", "\n");

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

    @Test
    void messagesWithoutLineEndsAtTheEndOrWithoutABodyAreTheirOwnBytes() throws Exception {
        assertOwnBytes("", "an empty file");
        assertOwnBytes(LF_HEADER, "all header");
        assertOwnBytes(LF_HEADER + "Subject: no line end", "all header, the last line without its line end");
        assertOwnBytes(LF_HEADER + "\n" + "Line one.", "a body without a line end");
        assertNotEquals(id(LF_HEADER + "X-Tag: a"), id(LF_HEADER + "X-Tag: b"), "the last header line counts");
        assertNotEquals(id(LF_HEADER), id(LF_HEADER.replace("quarterly", "monthly")), "a subject, all header");
    }

    /** A CR that does not end a line (CRLF) is a byte of the message, wherever it is. */
    @Test
    void aLoneCrIsKeptInTheHeaderTheBodyAndAtTheEnd() throws Exception {
        assertOwnBytes(LF_HEADER + "X-Tag: a\rb\n\n" + LF_BODY, "in a header line");
        assertOwnBytes(LF_HEADER + "X-Tag: a\r", "at the end of the last header line");
        assertOwnBytes(LF_HEADER + "\nLine one.\rstill line one\n", "in the body");
        assertOwnBytes(LF_HEADER + "\nLine one.\r\rLine two.\n", "two in the body");
        assertOwnBytes(LF_HEADER + "\n" + LF_BODY + "\r", "at the end of the body");
        assertEquals(id(LF_HEADER + "\n" + LF_BODY + "\r"), id(HEADER + "\r\n" + BODY + "\r"), "CRLFs before it");
    }

    /** Office365 adds header fields with long names; none is a reader's. */
    @Test
    void longAndOddHeaderLinesAreKept() throws Exception {
        assertOwnBytes(LF_HEADER + "X-MS-Exchange-Organization-AuthAs: Internal\n"
                + "X-Microsoft-Antispam-Mailbox-Delivery: ucf:0;jmr:0\n\n" + LF_BODY, "long field names");
        assertOwnBytes(LF_HEADER + ":no name\nno colon at all\n\n" + LF_BODY, "lines that are no field");
        assertOwnBytes(LF_HEADER + "X-Binary: a\0b\nStatus-Like: \0\n\n" + LF_BODY, "NUL bytes in the header");
        String saved = LF_HEADER + "X-Binary: a\0b\nStatus: RO\nLines: 2\n\n" + LF_BODY;
        assertEquals(id(LF_HEADER + "X-Binary: a\0b\n\n" + LF_BODY), id(saved), "a NUL byte does not end the header");
    }

    @Test
    void aBodyOfManyBlocksIsItsOwnBytes() throws Exception {
        StringBuilder big = new StringBuilder(LF_HEADER).append('\n');
        while (big.length() < 300 * 1024) {
            big.append("an attachment's base64 line of seventy-six characters, more or less, go on\n");
        }
        assertOwnBytes(big.toString(), "a body of several 64 KiB blocks");
        String withCrLf = big.toString().replace("\n", "\r\n");
        assertEquals(id(big.toString()), id(withCrLf), "CRLF across block boundaries");
        assertOwnBytes(LF_HEADER + "\n" + "x".repeat(64 * 1024 - 1) + "\r" + "y".repeat(64 * 1024) + "\rz\r",
                "lone CRs at the ends of 64 KiB blocks");
    }

    /** The longest header line is 64 KiB without its line end: still header, what follows too. */
    @Test
    void aHeaderLineOfExactlyTheLimitDoesNotEndTheHeader() throws Exception {
        String limit = "X-Long: " + "a".repeat(64 * 1024 - 8);
        String original = LF_HEADER + limit + "\n\n" + LF_BODY;
        assertEquals(id(original), id(LF_HEADER + limit + "\nLines: 2\n\n" + LF_BODY));
        assertEquals(id(original), id(HEADER + limit + "\r\nStatus: RO\r\n\r\n" + BODY));
        assertOwnBytes(original, "the longest header line");
        assertOwnBytes(LF_HEADER + limit + "\r\rb\n\n" + LF_BODY, "lone CRs just after the longest line");
    }

    @Test
    void aHeaderLineOverTheLimitIsKeptWholeEvenWhenNamedLikeAReadersField() throws Exception {
        String over = "X-Long: " + "a".repeat(64 * 1024 - 7);
        assertOwnBytes(LF_HEADER + over + "\nLines: 2\n\n" + LF_BODY, "one byte over: the rest is body");
        assertOwnBytes(LF_HEADER + "X-Long: " + "a".repeat(70 * 1024) + "\n\n" + LF_BODY, "far over");
        assertOwnBytes(LF_HEADER + "X-Keywords: " + "k,".repeat(40 * 1024) + "\n\n" + LF_BODY,
                "no reader writes a field that long");
        String keywords = "X-Keywords: " + "k,".repeat(40 * 1024);
        assertNotEquals(id(LF_HEADER + keywords + "\n\n" + LF_BODY),
                id(LF_HEADER + keywords.replaceFirst("k,", "j,") + "\n\n" + LF_BODY));
    }
}
