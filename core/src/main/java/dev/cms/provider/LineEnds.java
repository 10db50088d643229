package dev.cms.provider;

import java.io.ByteArrayOutputStream;

/** Line ends of a message sent to a service: Maildir files may end lines in LF alone, the wire wants CRLF. */
public final class LineEnds {
    private LineEnds() {}

    /** The bytes with every bare LF made CRLF. */
    public static byte[] crlf(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + in.length / 40 + 16);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) {
                out.write('\r');
            }
            out.write(in[i]);
        }
        return out.toByteArray();
    }
}
