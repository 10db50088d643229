package dev.cms.store;

import static dev.cms.store.TestStreams.bytes;
import static dev.cms.store.TestStreams.lineEndsToLf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CrlfToLfOutputStreamTest {
    private static String normalise(String in, int... splits) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        CrlfToLfOutputStream out = new CrlfToLfOutputStream(sink);
        byte[] data = bytes(in);
        int from = 0;
        for (int to : splits) {
            out.write(data, from, to - from);
            from = to;
        }
        out.write(data, from, data.length - from);
        out.finish();
        return sink.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void crlfBecomesLfAndLoneCrStays() throws IOException {
        assertEquals("a\nb\rc\n\n\nd\r\re\r", normalise("a\r\nb\rc\r\n\n\r\r\nd\r\re\r"));
    }

    /** Issue 18, item 1: "\r\r\n" once became "\r\n", which a second pass turned into "\n". */
    @Test
    void crRunsBeforeLfAllGo() throws IOException {
        assertEquals("one\ntwo\nthree\n", normalise("one\r\r\ntwo\r\r\r\r\nthree\r\n"));
    }

    /** Property: normalise(normalise(x)) == normalise(x) over random bytes rich in CR and LF runs. */
    @Test
    void normalisingTwiceChangesNothing() throws IOException {
        Random random = new Random(7);
        for (int round = 0; round < 5000; round++) {
            String in = randomCrLfRuns(random, random.nextInt(60));
            String once = normalise(in);
            int a = random.nextInt(once.length() + 1);
            int b = a + random.nextInt(once.length() - a + 1);
            String shown = in.replace("\r", "<CR>").replace("\n", "<LF>");
            assertEquals(once, normalise(once, a, b), "input " + shown);
            assertEquals(lineEndsToLf(in), once, "input " + shown);
        }
    }

    /** Random text of letters, NULs and runs of CRs and LFs (as long as 5). */
    static String randomCrLfRuns(Random random, int pieces) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            switch (random.nextInt(4)) {
                case 0 -> sb.append("\r".repeat(1 + random.nextInt(5)));
                case 1 -> sb.append("\n".repeat(1 + random.nextInt(3)));
                case 2 -> sb.append((char) random.nextInt(256));
                default -> sb.append("ab");
            }
        }
        return sb.toString();
    }

    @Test
    void splittingAnywhereGivesTheSameResult() throws IOException {
        String in = "ab\r\ncd\r\n\r\ne\rf\r\r\n\r";
        String expected = lineEndsToLf(in);
        for (int i = 0; i <= in.length(); i++) {
            for (int j = i; j <= in.length(); j++) {
                assertEquals(expected, normalise(in, i, j), "split at " + i + " and " + j);
            }
        }
    }

    @Test
    void singleByteWritesMatchBlockWrites() throws IOException {
        String in = "x\r\r\n\r\ny\r";
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        CrlfToLfOutputStream out = new CrlfToLfOutputStream(sink);
        for (byte b : bytes(in)) {
            out.write(b);
        }
        out.finish();
        assertArrayEquals(bytes(lineEndsToLf(in)), sink.toByteArray());
    }

    @Test
    void randomInputsAndSplitsMatchStringReplace() throws IOException {
        Random random = new Random(42);
        char[] alphabet = {'a', '\r', '\n'};
        for (int round = 0; round < 2000; round++) {
            StringBuilder sb = new StringBuilder();
            int len = random.nextInt(40);
            for (int i = 0; i < len; i++) {
                sb.append(alphabet[random.nextInt(alphabet.length)]);
            }
            String in = sb.toString();
            int a = random.nextInt(len + 1);
            int b = a + random.nextInt(len - a + 1);
            String shown = in.replace("\r", "<CR>").replace("\n", "<LF>");
            assertEquals(lineEndsToLf(in), normalise(in, a, b), "input " + shown);
        }
    }

    @Test
    void crlfAcrossTheOutputBufferBoundaryIsHandled() throws IOException {
        int n = CrlfToLfOutputStream.BUFFER_SIZE;
        String in = "y".repeat(n - 1) + "\r\n" + "z".repeat(n) + "\r";
        assertEquals(lineEndsToLf(in), normalise(in, n - 1, n, n + 1));
    }

    @Test
    void writingAfterFinishFails() throws IOException {
        CrlfToLfOutputStream out = new CrlfToLfOutputStream(new ByteArrayOutputStream());
        out.finish();
        assertThrows(IOException.class, () -> out.write('a'));
    }
}
