package dev.cms.fakecloud;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageGeneratorTest {

    static void assertCrlfOnly(byte[] raw) {
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '\n') {
                assertTrue(i > 0 && raw[i - 1] == '\r', "bare LF at " + i);
            }
            if (raw[i] == '\r') {
                assertTrue(i + 1 < raw.length && raw[i + 1] == '\n', "bare CR at " + i);
            }
        }
    }

    @Test
    void sameSeedSameMessagesOtherSeedOthers() {
        MessageGenerator a = new MessageGenerator(42, "me@example.com");
        MessageGenerator b = new MessageGenerator(42, "me@example.com");
        MessageGenerator c = new MessageGenerator(43, "me@example.com");
        for (int i = 0; i < 20; i++) {
            MessageGenerator.Generated x = a.text(4096);
            MessageGenerator.Generated y = b.text(4096);
            assertArrayEquals(x.raw(), y.raw());
            assertEquals(x.date(), y.date());
            assertFalse(java.util.Arrays.equals(x.raw(), c.text(4096).raw()));
        }
    }

    @Test
    void textMessagesHaveHeadersCrlfAndTheTargetSize() {
        MessageGenerator g = new MessageGenerator(1, "me@example.com").listIdRatio(1.0);
        for (int size : List.of(4 * 1024, 20 * 1024)) {
            MessageGenerator.Generated m = g.text(size);
            assertCrlfOnly(m.raw());
            String text = new String(m.raw(), StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            String headers = text.substring(0, split);
            for (String h : List.of("From: ", "To: me@example.com", "Subject: ", "Date: ", "Message-ID: <", "List-ID: <")) {
                assertTrue(headers.contains("\r\n" + h) || headers.startsWith(h), h + " in " + headers);
            }
            int body = m.raw().length - split - 4;
            assertTrue(body >= size && body < size + 100, "body " + body + " for target " + size);
            assertTrue(text.contains("Message-ID: " + m.messageId() + "\r\n"));
        }
        assertFalse(new String(new MessageGenerator(1, "x@y").listIdRatio(0).text(100).raw(),
                StandardCharsets.UTF_8).contains("List-ID"));
    }

    @Test
    void attachmentMessagesAreMultipartWithBase64OfTheGivenSize() {
        MessageGenerator.Generated m = new MessageGenerator(5, "me@example.com").withAttachment(1000, 3000);
        assertCrlfOnly(m.raw());
        String text = new String(m.raw(), StandardCharsets.UTF_8);
        assertTrue(text.contains("Content-Type: multipart/mixed; boundary=\""), text);
        int start = text.indexOf("Content-Transfer-Encoding: base64\r\n\r\n") + 37;
        int end = text.indexOf("\r\n--", start);
        byte[] data = Base64.getMimeDecoder().decode(text.substring(start, end));
        assertEquals(3000, data.length);
        assertTrue(text.endsWith("--\r\n"));
    }

    @Test
    void datesIncrease() {
        MessageGenerator g = new MessageGenerator(9, "me@example.com");
        MessageGenerator.Generated first = g.text(10);
        assertTrue(g.text(10).date().isAfter(first.date()));
    }
}
