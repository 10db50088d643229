package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cms.provider.gmail.GmailFetchAndApplyTest.Collecting;
import dev.cms.provider.gmail.GmailTransport.MalformedGmailResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The streaming reader of {@code format=raw} answers used for large messages. */
class RawMessageReaderTest {
    private static final Instant WHEN = Instant.ofEpochMilli(1_700_000_000_000L);

    private static InputStream json(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void decodesRawWhereverItStandsAndSkipsEveryOtherMember() throws Exception {
        for (boolean padded : new boolean[] {false, true}) {
            for (int len : new int[] {0, 1, 2, 3, 100_000}) {
                byte[] body = new byte[len];
                new Random(len).nextBytes(body);
                Base64.Encoder enc = padded ? Base64.getUrlEncoder() : Base64.getUrlEncoder().withoutPadding();
                String answer = "{ \"id\" : \"m\\\"1\", \"labelIds\": [\"INBOX\", \"UNREAD\"],\n"
                        + "\"payload\": {\"a\": [1, {\"b\": null}], \"c\": true}, \"sizeEstimate\": -12.5e3,"
                        + " \"raw\": \"" + enc.encodeToString(body) + "\", \"internalDate\": \"1\", \"x\": {} }";
                Collecting sink = new Collecting();
                RawMessageReader.deliver(json(answer), "messages.get", "m1", WHEN, sink);
                assertArrayEquals(body, sink.bodies.get("m1"), "length " + len + ", padded " + padded);
                assertEquals(WHEN, sink.received.get("m1"));
            }
        }
    }

    @Test
    void brokenAnswersAreMalformedNotSinkFailures() {
        for (String answer : new String[] {
                "{\"raw\":\"aGVsbG8*\"}", // not base64url
                "{\"raw\":\"aGVsbG8", // broken off inside raw
                "{\"id\":\"m1\"}", // no raw
                "[1]",
                "{\"raw\":\"aGVs\\u0062G8\"}", // escapes have no place in base64url
        }) {
            Collecting sink = new Collecting();
            assertThrows(MalformedGmailResponse.class,
                    () -> RawMessageReader.deliver(json(answer), "messages.get", "m1", WHEN, sink), answer);
        }
    }

    @Test
    void aFailingSinkIsToldApart() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> RawMessageReader.deliver(json("{\"raw\":\"aGVsbG8\"}"), "messages.get", "m1", WHEN,
                        (id, body, when) -> {
                            body.read();
                            throw new IOException("No space left on device");
                        }));
        assertEquals("No space left on device", e.getCause().getMessage());
    }
}
