package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The normaliser's ends: a flush passes everything but held-back CRs (the next byte decides
 * them), a close writes them as they are and closes the stream below, and no write is taken
 * after the end, whether by one byte or by a block.
 */
class CrlfToLfCloseTest {
    /** A sink that remembers whether it was flushed and closed. */
    private static final class Sink extends ByteArrayOutputStream {
        int flushes;
        boolean closed;

        @Override
        public void flush() {
            flushes++;
        }

        @Override
        public void close() {
            closed = true;
        }

        String text() {
            return toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aFlushPassesAllButTheHeldBackCrs() throws IOException {
        Sink sink = new Sink();
        CrlfToLfOutputStream out = new CrlfToLfOutputStream(sink);
        out.write(b("line\r\nnext\r"));
        out.flush();
        assertEquals("line\nnext", sink.text(), "the last CR waits for the next byte");
        assertEquals(1, sink.flushes);
        out.write('\n');
        out.flush();
        assertEquals("line\nnext\n", sink.text());
    }

    @Test
    void closeWritesHeldBackCrsAndClosesBelow() throws IOException {
        Sink sink = new Sink();
        CrlfToLfOutputStream out = new CrlfToLfOutputStream(sink);
        out.write(b("end\r\r"));
        out.close();
        assertEquals("end\r\r", sink.text(), "a CR with no LF after it is content");
        assertTrue(sink.closed);
        assertTrue(sink.flushes >= 1);
        assertThrows(IOException.class, () -> out.write(b("more"), 0, 4));
        assertThrows(IOException.class, () -> out.write('x'));
        assertEquals("end\r\r", sink.text());
    }

    @Test
    void finishLeavesTheStreamBelowOpenAndFlushed() throws IOException {
        Sink sink = new Sink();
        CrlfToLfOutputStream out = new CrlfToLfOutputStream(sink);
        out.write(b("a\r"));
        out.finish();
        assertEquals("a\r", sink.text());
        assertEquals(1, sink.flushes);
        assertTrue(!sink.closed);
        out.finish(); // once only
        assertEquals("a\r", sink.text());
        assertEquals(1, sink.flushes);
        assertThrows(IOException.class, () -> out.write(b("b"), 0, 1));
    }
}
