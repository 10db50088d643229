package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.api.services.gmail.model.Message;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The scan that finds a batch part's raw body in its bytes: wherever the member stands, and
 * whatever the other members hold (escaped quotes, the word "raw" in a string, nested objects
 * with a "raw" of their own), the body it finds and the other members the parser then reads
 * are those of the parser reading the whole answer; anything not plain is left to the parser.
 */
class RawAnswerTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String raw(int seed, int len) {
        byte[] body = new byte[len];
        new Random(seed).nextBytes(body);
        return Base64.getUrlEncoder().encodeToString(body);
    }

    /** Answers with the raw member in every place, and other members made to mislead a scan. */
    private static List<String> answers(String raw) {
        String id = "\"id\": \"18c\\\"raw\\\": \\\"x\", ";
        String labels = "\"labelIds\" : [ \"INBOX\", \"raw\" ] ,";
        String payload = "\"payload\": {\"raw\": \"bm9wZQ\", \"parts\": [{\"raw\": {}}, [], 1.5e3, true, null]},";
        String snippet = "\"snippet\": \"\\u00e9t\u00e9 \\\\\\\"raw\\\":\\\"\", ";
        String tail = "\"historyId\": \"991\", \"internalDate\": \"1700000000123\", \"sizeEstimate\": 2048";
        String member = "\"raw\":\"" + raw + "\"";
        return List.of(
                "{" + member + "," + id + labels + payload + snippet + tail + "}",
                "{ " + id + labels + "\n  " + member + " ,\r\n" + payload + snippet + tail + " }",
                "{" + id + labels + payload + snippet + tail + ", " + member + "}\n",
                "{\"threadId\":\"t1\",\"raw\" :  \"" + raw + "\" }");
    }

    @Test
    void theBodyAndTheOtherMembersAreThoseOfTheWholeAnswer() throws Exception {
        for (int len : new int[] {0, 1, 2, 3, 30_000}) {
            String raw = raw(len, len);
            for (String answer : answers(raw)) {
                byte[] json = utf8(answer);
                RawAnswer.Span span = RawAnswer.find(json);
                assertNotNull(span, answer);
                Message whole = GmailTransport.parseRawMessage("test", json);
                Message cut = GmailTransport.parseRawMessage("test", span.cut(json));
                assertEquals("", cut.getRaw(), "the parser sees the raw member found, emptied");
                ByteBuffer body = Base64.getUrlDecoder().decode(ByteBuffer.wrap(json, span.from(), span.to() - span.from()));
                byte[] got = new byte[body.remaining()];
                body.get(got);
                assertArrayEquals(Base64.getUrlDecoder().decode(whole.getRaw()), got);
                assertEquals(whole.getId(), cut.getId());
                assertEquals(whole.getThreadId(), cut.getThreadId());
                assertEquals(whole.getLabelIds(), cut.getLabelIds());
                assertEquals(whole.getInternalDate(), cut.getInternalDate());
                assertEquals(whole.getHistoryId(), cut.getHistoryId());
            }
        }
    }

    @Test
    void whatIsNotPlainIsLeftToTheParser() {
        String raw = raw(1, 100);
        for (String answer : new String[] {
                "{\"raw\":\"" + raw.substring(0, 10) + "\\u0041" + raw.substring(10) + "\"}", // an escape in the value
                "{\"raw\":\"" + raw + "\",\"raw\":\"" + raw + "\"}", // twice: the parser takes the last
                "{\"raw\":null}",
                "{\"raw\":\"" + raw, // cut short
                "{\"payload\":{\"raw\":\"" + raw + "\"}}", // only a nested one
                "[\"raw\",\"" + raw + "\"]",
                "{\"raw\":\"ab\tcd\"}", // a control character
                "{\"r\\u0061w\":\"" + raw + "\"}", // an escaped name
                ""}) {
            assertNull(RawAnswer.find(utf8(answer)), answer);
        }
    }

    /**
     * The value's end is found a word at a time: wherever the closing quote, a backslash or a
     * control character stands in it (each offset of each word, bytes above 0x7f beside them),
     * the scan answers as one that reads byte by byte.
     */
    @Test
    void everyPlaceOfTheEndOrOfWhatIsNotPlainIsFound() {
        Random random = new Random(7);
        byte[] specials = {'"', '\\', 0, 0x1f, '\n'};
        for (int len = 0; len < 40; len++) {
            for (int at = 0; at <= len; at++) {
                for (byte special : specials) {
                    if (at == len && special != '"') {
                        continue; // the closing quote stands there
                    }
                    byte[] value = new byte[len + 1];
                    for (int k = 0; k < value.length; k++) {
                        value[k] = random.nextInt(4) == 0 ? (byte) (0x80 + random.nextInt(0x80))
                                : (byte) (0x20 + random.nextInt(0x5f));
                        if (value[k] == '"' || value[k] == '\\') {
                            value[k] = 'a';
                        }
                    }
                    value[at] = special;
                    value[len] = '"';
                    if (special == '"') {
                        value = java.util.Arrays.copyOf(value, at + 1); // the value ends there
                    }
                    byte[] answer = new byte[8 + value.length + 1];
                    System.arraycopy(utf8("{\"raw\":\""), 0, answer, 0, 8);
                    System.arraycopy(value, 0, answer, 8, value.length);
                    answer[answer.length - 1] = '}';
                    RawAnswer.Span span = RawAnswer.find(answer);
                    if (special == '"') {
                        assertNotNull(span, "a quote at " + at + " of " + len);
                        assertEquals(8 + at, span.to(), "a quote at " + at + " of " + len);
                    } else {
                        assertNull(span, "byte " + special + " at " + at + " of " + len);
                    }
                }
            }
        }
    }
}
