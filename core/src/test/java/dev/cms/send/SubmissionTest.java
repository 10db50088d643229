package dev.cms.send;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubmissionTest {
    static final SendAccount GMAIL = new SendAccount("gmail:alice@example.com", "alice@example.com", true);
    static final SendAccount WORK = new SendAccount("o365:bob@work.example", "bob@work.example", false);
    static final Instant NOW = Instant.parse("2026-12-04T23:00:00Z");

    static Submission prepare(String msg, boolean t, List<String> rcpts, String account, List<SendAccount> accounts)
            throws Exception {
        byte[] in = Submission.read(new ByteArrayInputStream(msg.getBytes(StandardCharsets.UTF_8)), false);
        return Submission.prepare(in, new Submission.Options(t, rcpts, null, null, account, false), accounts, NOW,
                ZoneOffset.UTC);
    }

    static String text(Submission s) {
        return new String(s.message(), StandardCharsets.US_ASCII);
    }

    @Test
    void dashTTakesToCcBccAndKeepsBccOnlyAsTheHiddenRecipients() throws Exception {
        Submission s = prepare("From: Alice <alice@example.com>\nTo: Carol <carol@example.org>\n"
                + "Cc: dave@example.org, \"Eve, E.\" <eve@example.org>\nBcc: frank@example.org\nSubject: hi\n\nbody\n",
                true, List.of(), null, List.of(GMAIL, WORK));
        assertEquals(List.of("carol@example.org", "dave@example.org", "eve@example.org", "frank@example.org"),
                s.recipients());
        assertEquals(GMAIL, s.account());
        String t = text(s);
        assertTrue(t.contains("\r\nBcc: frank@example.org\r\n"), t);
        assertEquals(1, t.split("Bcc:", -1).length - 1, "one Bcc field");
        assertTrue(t.contains("Date: Fri, 4 Dec 2026 23:00:00 +0000\r\n"), t);
        assertTrue(t.contains("Message-ID: " + s.messageId() + "\r\n"), t);
        assertTrue(s.messageId().endsWith("@example.com>"), s.messageId());
        assertTrue(t.endsWith("\r\n\r\nbody\r\n"), t);
        assertEquals("hi", s.subject());
    }

    @Test
    void commandLineRecipientsNotInHeadersBecomeBccAndCombineWithDashT() throws Exception {
        Submission s = prepare("From: bob@work.example\nTo: carol@example.org\nSubject: x\n\nb\n", true,
                List.of("carol@example.org", "zed@example.net"), null, List.of(GMAIL, WORK));
        assertEquals(WORK, s.account(), "chosen by From:");
        assertEquals(List.of("carol@example.org", "zed@example.net"), s.recipients());
        assertTrue(text(s).contains("Bcc: zed@example.net\r\n"));
    }

    @Test
    void existingDateAndMessageIdAreKept() throws Exception {
        Submission s = prepare("From: alice@example.com\nTo: c@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
                + "Message-ID: <given@x.example>\n\nb\n", true, List.of(), null, List.of(GMAIL));
        assertEquals("<given@x.example>", s.messageId());
        assertEquals(1, text(s).split("Date:", -1).length - 1);
        assertEquals(1, text(s).split("Message-ID:", -1).length - 1);
    }

    @Test
    void aMissingFromIsAddedForTheAccountWithDashF() throws Exception {
        byte[] in = "To: c@example.org\n\nb\n".getBytes(StandardCharsets.US_ASCII);
        Submission s = Submission.prepare(in, new Submission.Options(true, List.of(), null, "Alice Ä", null, false),
                List.of(GMAIL), NOW, ZoneOffset.UTC);
        assertTrue(text(s).contains("From: =?UTF-8?B?"), text(s));
        assertTrue(text(s).contains("<alice@example.com>"), text(s));
    }

    @Test
    void withoutDashIALoneDotEndsTheInput() throws Exception {
        byte[] in = Submission.read(new ByteArrayInputStream("To: a@b.example\n\nline\n.\nafter\n"
                .getBytes(StandardCharsets.US_ASCII)), true);
        assertEquals("To: a@b.example\n\nline\n", new String(in, StandardCharsets.US_ASCII));
        byte[] keep = Submission.read(new ByteArrayInputStream("To: a@b.example\r\n\r\nline\r\n.\r\nafter\r\n"
                .getBytes(StandardCharsets.US_ASCII)), false);
        assertEquals("To: a@b.example\n\nline\n.\nafter\n", new String(keep, StandardCharsets.US_ASCII));
    }

    @Test
    void badInputsAreRefusedWithSendmailCodes() {
        assertCode(SysExits.DATAERR, "", true, List.of(), null);
        assertCode(SysExits.DATAERR, "\n\n", true, List.of(), null);
        assertCode(SysExits.USAGE, "From: alice@example.com\nSubject: no one\n\nb\n", true, List.of(), null);
        assertCode(SysExits.DATAERR, "this is just some text\nwith lines\n", true, List.of("a@b.example"), null);
        assertCode(SysExits.DATAERR, "Subject: caf\u00e9\nTo: a@b.example\n\nb\n", true, List.of(), null);
        assertCode(SysExits.NOUSER, "To: a@b.example\n\nb\n", true, List.of(), "nobody@else.example");
        assertCode(SysExits.NOUSER, "To: root\n\nb\n", true, List.of(), null);
        assertCode(SysExits.DATAERR, "To: a@b.example, other@b.example\n\nb\n", false, List.of("a@b.example"), null);
    }

    @Test
    void eightBitHeaderErrorNamesTheLineAndField() {
        SendmailException e = assertThrows(SendmailException.class, () -> prepare(
                "To: a@b.example\nSubject: caf\u00e9\n\nb\n", true, List.of(), null, List.of(GMAIL)));
        assertEquals("8-bit byte in the header on line 2 (Subject): header text must be ASCII (RFC 2047 encoded"
                + " words for other characters)", e.getMessage());
    }

    @Test
    void severalAccountsAndAForeignFromNeedAccount() {
        SendmailException e = assertThrows(SendmailException.class, () -> prepare(
                "From: x@y.example\nTo: a@b.example\n\nb\n", true, List.of(), null, List.of(GMAIL, WORK)));
        assertEquals(SysExits.NOUSER, e.exitCode());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void tooLargeForTheServiceIsRefusedBeforeQueueing() {
        String big = "To: a@b.example\n\n" + "x".repeat(80).concat("\n").repeat(40_000);
        SendmailException e = assertThrows(SendmailException.class, () -> prepare(big, true, List.of(),
                "bob@work.example", List.of(GMAIL, WORK)));
        assertEquals(SysExits.DATAERR, e.exitCode());
        assertTrue(e.getMessage().contains("Office365"), e.getMessage());
    }

    @Test
    void inputOverGmailsLimitIsRefusedWhileReading() {
        byte[] huge = new byte[40 * 1024 * 1024];
        java.util.Arrays.fill(huge, (byte) 'x');
        SendmailException e = assertThrows(SendmailException.class,
                () -> Submission.read(new ByteArrayInputStream(huge), false));
        assertEquals(SysExits.DATAERR, e.exitCode());
        assertTrue(e.getMessage().startsWith("the message is larger than 35 MB"), e.getMessage());
    }

    private static void assertCode(int code, String msg, boolean t, List<String> rcpts, String account) {
        SendmailException e = assertThrows(SendmailException.class,
                () -> prepare(msg, t, rcpts, account, List.of(GMAIL)));
        assertEquals(code, e.exitCode(), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
