package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The batch answer's multipart reader, which looks at a buffer at a time: parts of any size,
 * delimiters that straddle the reads and the buffer, line breaks of either kind before a
 * delimiter, near-misses of the delimiter inside a part, the cap, and answers cut short.
 */
class MultipartReaderTest {
    private static final String BOUNDARY = "batch_Xy12";

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A stream that hands out at most {@code step} bytes a read. */
    private static InputStream trickle(byte[] data, int step) {
        return new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, step));
            }
        };
    }

    private static byte[] batch(List<byte[]> parts, String lineBreak) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ascii("preamble to ignore" + lineBreak));
        for (byte[] p : parts) {
            out.writeBytes(ascii("--" + BOUNDARY + "  " + lineBreak)); // transport padding after the delimiter
            out.writeBytes(p);
            out.writeBytes(ascii(lineBreak));
        }
        out.writeBytes(ascii("--" + BOUNDARY + "--" + lineBreak + "epilogue"));
        return out.toByteArray();
    }

    private static List<byte[]> readAll(InputStream in, int cap) throws IOException {
        MultipartReader r = new MultipartReader(in, BOUNDARY);
        List<byte[]> got = new ArrayList<>();
        for (byte[] p; (p = r.next(cap)) != null; ) {
            got.add(p);
        }
        assertNull(r.next(cap), "nothing after the closing delimiter");
        return got;
    }

    /** Parts of random letters and line breaks, with near-misses of the delimiter inside (never the delimiter). */
    private static List<byte[]> parts(long seed, int... sizes) {
        Random rnd = new Random(seed);
        List<byte[]> parts = new ArrayList<>();
        for (int size : sizes) {
            StringBuilder sb = new StringBuilder("Content-Type: application/http\r\n\r\nHTTP/1.1 200 OK\r\n\r\n");
            while (sb.length() < size) {
                int k = rnd.nextInt(20);
                sb.append(k == 0 ? "\r\n--batch_Xy1" : k == 1 ? "\n--" + BOUNDARY.substring(0, 5) + "!" : k == 2 ? "\r\n"
                        : k == 3 ? "x--" + BOUNDARY : Character.toString('a' + rnd.nextInt(26)));
            }
            sb.setLength(size - 1);
            sb.append('z'); // a line break at the very end would be taken as the delimiter's
            parts.add(ascii(sb.toString()));
        }
        return parts;
    }

    @Test
    void everyPartWholeWhateverTheReadsAndTheLineBreaks() throws IOException {
        assertEveryPartRead(parts(7, 60, 1, 70_000, 65_536, 200_000, 3), 1, 7, 4096, 65_536, 1 << 20);
    }

    /** {@code want}'s parts, in a batch with either line break, come back whole with reads of each size in {@code steps}. */
    private static void assertEveryPartRead(List<byte[]> want, int... steps) throws IOException {
        for (String lineBreak : List.of("\r\n", "\n")) {
            byte[] data = batch(want, lineBreak);
            for (int step : steps) {
                List<byte[]> got = readAll(trickle(data, step), 1 << 20);
                assertEquals(want.size(), got.size(), "parts with reads of " + step);
                for (int i = 0; i < want.size(); i++) {
                    assertArrayEquals(want.get(i), got.get(i), "part " + i + ", reads of " + step + ", " + lineBreak.length());
                }
            }
        }
    }

    /**
     * Runs without a line break are looked at a word at a time: a delimiter (or a near-miss)
     * after a run of every length, at every offset of a word and of a read, is found as a
     * byte-by-byte scan finds it.
     */
    @Test
    void aDelimiterAfterALongRunIsFoundAtEveryOffset() throws IOException {
        List<byte[]> want = new ArrayList<>();
        for (int run = 0; run < 40; run++) {
            byte[] p = new byte[run + 1];
            Arrays.fill(p, (byte) 'Q');
            p[run] = 'z';
            want.add(p);
            want.add(ascii("A".repeat(run) + "\n--" + BOUNDARY.substring(0, run % BOUNDARY.length()) + "!"));
        }
        assertEveryPartRead(want, 1, 3, 8, 13, 1 << 20);
    }

    @Test
    void aDelimiterAcrossTheEndOfTheBufferIsFound() throws IOException {
        // The delimiter of the first part starts a few bytes before 64 KiB, 128 KiB, ... into the stream.
        for (int shift = -12; shift <= 2; shift++) {
            int size = 65_536 - ("preamble to ignore\r\n--" + BOUNDARY + "  \r\n").length() + shift;
            List<byte[]> want = parts(shift + 100, size, 10);
            List<byte[]> got = readAll(new ByteArrayInputStream(batch(want, "\r\n")), 1 << 20);
            assertEquals(2, got.size(), "shift " + shift);
            assertArrayEquals(want.get(0), got.get(0), "shift " + shift);
            assertArrayEquals(want.get(1), got.get(1), "shift " + shift);
        }
    }

    @Test
    void aPartOverTheCapIsReportedWithItsHead() throws IOException {
        List<byte[]> want = parts(3, 100, 150_000);
        MultipartReader r = new MultipartReader(trickle(batch(want, "\r\n"), 5000), BOUNDARY);
        assertArrayEquals(want.get(0), r.next(100_000));
        MultipartReader.PartTooLarge e = assertThrows(MultipartReader.PartTooLarge.class, () -> r.next(100_000));
        assertArrayEquals(Arrays.copyOf(want.get(1), 8 * 1024), e.head(), "the first 8 KiB: its headers");
        MultipartReader exact = new MultipartReader(new ByteArrayInputStream(batch(want, "\r\n")), BOUNDARY);
        exact.next(101);
        assertArrayEquals(want.get(1), exact.next(150_001), "a part that fits the cap with its CR is read");
    }

    @Test
    void anAnswerCutShortOrWithoutABoundaryIsMalformed() {
        byte[] whole = batch(parts(5, 300, 300), "\r\n");
        byte[] cut = Arrays.copyOf(whole, 500);
        IOException e = assertThrows(IOException.class, () -> readAll(new ByteArrayInputStream(cut), 1 << 20));
        assertTrue(e.getMessage().contains("part 2 has no closing boundary"), e.getMessage());
        byte[] noBoundary = new byte[70 * 1024];
        Arrays.fill(noBoundary, (byte) 'x');
        IOException none = assertThrows(IOException.class,
                () -> readAll(new ByteArrayInputStream(noBoundary), 1 << 20));
        assertTrue(none.getMessage().contains("no boundary"), none.getMessage());
        byte[] lone = ascii("--" + BOUNDARY + "-x");
        assertThrows(IOException.class, () -> readAll(new ByteArrayInputStream(lone), 100));
    }
}
