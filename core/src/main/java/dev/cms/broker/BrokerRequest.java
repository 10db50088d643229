package dev.cms.broker;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A parsed request line {@code PROTO[,opt,...] user@domain}. */
record BrokerRequest(String protocol, List<String> options, String user) {
    private static final Pattern LINE = Pattern.compile(
            "([A-Za-z0-9_-]+)(?:,([^\\s\\p{Cntrl}]+))? ([^\\s\\p{Cntrl}@]+@[^\\s\\p{Cntrl}@]+)");

    /** A request the server will not parse; the reason never quotes the request. */
    static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedException(String reason) {
            super(reason);
        }
    }

    BrokerRequest {
        options = List.copyOf(options);
    }

    /** The bytes a client sends for this request (no options, no newline). */
    static byte[] encode(String protocol, String user) {
        return (protocol + " " + user).getBytes(StandardCharsets.UTF_8);
    }

    static BrokerRequest parse(byte[] raw) throws MalformedException {
        if (raw.length == 0) {
            throw new MalformedException("empty request");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedException("request of " + raw.length + " bytes is not UTF-8 text");
        }
        if (text.endsWith("\r\n")) {
            text = text.substring(0, text.length() - 2);
        } else if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        Matcher m = LINE.matcher(text);
        if (!m.matches()) {
            throw new MalformedException("request of " + raw.length
                    + " bytes is not of the form \"PROTO[,opts] user@domain\"");
        }
        List<String> opts = m.group(2) == null ? List.of() : List.of(m.group(2).split(","));
        return new BrokerRequest(m.group(1), opts, m.group(3));
    }
}
