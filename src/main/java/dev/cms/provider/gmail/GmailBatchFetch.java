package dev.cms.provider.gmail;

import com.google.api.client.http.ByteArrayContent;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpHeaders;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpResponse;
import com.google.api.services.gmail.model.Message;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.provider.BodySink;
import dev.cms.provider.gmail.GmailTransport.MalformedGmailResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads raw bodies with Google's HTTP batch: one {@code POST batch/gmail/v1} whose
 * multipart/mixed body holds one {@code application/http} part per {@code messages.get?format=raw},
 * answered by a multipart/mixed response of {@code application/http} responses.
 *
 * <p>The batch is charged {@link GmailMailbox#COST_MESSAGES_GET} units per part before it is
 * sent (Gmail counts each part as a call). Per part: 200 is delivered, 404 skipped (the message
 * is gone), throttling (429, 403 rate limit), 401 and 5xx are fetched again on their own through
 * the single-get path with its retries, anything else is a failure of that id. A batch that fails
 * as a whole (dropped connection, 5xx, 429, an answer that is not multipart) is fetched again as
 * single gets; a 401 refreshes the token once and resends. The whole answer is held in memory.
 */
final class GmailBatchFetch {
    private static final Logger log = LoggerFactory.getLogger(GmailBatchFetch.class);

    static final String BATCH_PATH = "batch/gmail/v1";
    private static final String ITEM_PREFIX = "item-";
    private static final Pattern BOUNDARY = Pattern.compile("boundary=(?:\"([^\"]+)\"|([^;\\s]+))",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern STATUS_LINE = Pattern.compile("^HTTP/\\d(?:\\.\\d)?\\s+(\\d{3})\\b.*");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Fetches one id on its own (the single-get path, with its retries). */
    @FunctionalInterface
    interface SingleFetch {
        void fetch(String id) throws IOException, InterruptedException;
    }

    private final GmailTransport transport;
    private final String mailboxKey;

    GmailBatchFetch(GmailTransport transport, String mailboxKey) {
        this.transport = transport;
        this.mailboxKey = mailboxKey;
    }

    /** One inner response: status, headers (lower-case names) and body. */
    record Part(int status, Map<String, String> headers, byte[] body) {}

    /**
     * Fetches {@code ids} (distinct) in one batch, delivering to {@code sink}; ids that need
     * another try go through {@code single}. Failures of single ids are thrown after the rest.
     */
    void fetch(List<String> ids, BodySink sink, SingleFetch single) throws IOException, InterruptedException {
        Map<String, Part> answers = send(ids);
        IOException first = null;
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            try {
                if (answers == null) {
                    single.fetch(id); // the whole batch failed: each id on its own
                } else {
                    handle(id, answers.get(ITEM_PREFIX + (i + 1)), sink, single);
                }
            } catch (AuthenticationRequiredException e) {
                throw e;
            } catch (IOException e) {
                log.debug("{}: fetching message {} failed: {}", mailboxKey, id, e.toString());
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private void handle(String id, Part part, BodySink sink, SingleFetch single)
            throws IOException, InterruptedException {
        if (part == null) {
            log.debug("{}: batch answer had no part for message {}; fetching it on its own", mailboxKey, id);
            single.fetch(id);
            return;
        }
        int status = part.status();
        if (status == 200) {
            deliver(id, part.body(), sink);
        } else if (status == 404) {
            log.debug("{}: message {} is gone (HTTP 404 in batch); skipped", mailboxKey, id);
        } else if (status == 429 || status == 401 || status >= 500 || (status == 403 && rateLimited(part.body()))) {
            log.debug("{}: message {} got HTTP {} in a batch; fetching it on its own", mailboxKey, id, status);
            single.fetch(id);
        } else {
            throw new GmailStatusException("Gmail messages.get (batched) of message " + id + " for "
                    + transport.user() + " failed: HTTP " + status, status, null);
        }
    }

    private static boolean rateLimited(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        return text.contains("\"rateLimitExceeded\"") || text.contains("\"userRateLimitExceeded\"");
    }

    private static void deliver(String id, byte[] json, BodySink sink) throws IOException {
        String call = "messages.get (batched)";
        if (json.length == 0) {
            throw new MalformedGmailResponse(call, "empty body for message " + id);
        }
        Message m = GmailTransport.parseRawMessage(call, json);
        if (m.getRaw() == null) {
            throw new MalformedGmailResponse(call, "missing raw for message " + id);
        }
        byte[] body;
        try {
            body = Base64.getUrlDecoder().decode(m.getRaw());
        } catch (IllegalArgumentException e) {
            throw new MalformedGmailResponse(call, "raw of message " + id + " is not base64url", e);
        }
        Instant received = m.getInternalDate() == null ? null : Instant.ofEpochMilli(m.getInternalDate());
        sink.accept(id, new ByteArrayInputStream(body), received);
    }

    // ---------------------------------------------------------------- request

    /**
     * Sends the batch; the parts by Content-ID ({@code item-N}, N from 1), or null when the
     * batch failed as a whole and its ids should be fetched one by one.
     */
    private Map<String, Part> send(List<String> ids) throws IOException, InterruptedException {
        String boundary = "batch_cms_" + Long.toHexString(RANDOM.nextLong()) + Long.toHexString(RANDOM.nextLong());
        byte[] body = requestBody(ids, boundary);
        GenericUrl url = new GenericUrl(transport.rootUrl() + BATCH_PATH);
        boolean refreshed = false;
        String rejected = null;
        while (true) {
            transport.charge(GmailMailbox.COST_MESSAGES_GET * ids.size());
            String token = transport.accessToken(rejected);
            rejected = null;
            HttpResponse response;
            try {
                HttpRequest request = transport.gmail().getRequestFactory().buildPostRequest(url,
                        new ByteArrayContent("multipart/mixed; boundary=" + boundary, body));
                request.setHeaders(new HttpHeaders().setAuthorization("Bearer " + token));
                request.setThrowExceptionOnExecuteError(false);
                response = request.execute();
            } catch (IOException e) {
                log.info("{}: Gmail batch of {} failed ({}); fetching them one by one", mailboxKey, ids.size(),
                        e.toString());
                return null;
            }
            int status = response.getStatusCode();
            byte[] answer;
            String contentType = response.getContentType();
            try (InputStream in = response.getContent()) {
                answer = in == null ? new byte[0] : in.readAllBytes();
            } catch (IOException e) {
                log.info("{}: reading a Gmail batch answer failed ({}); fetching them one by one", mailboxKey,
                        e.toString());
                return null;
            } finally {
                response.disconnect();
            }
            if (status == 401) {
                if (refreshed) {
                    throw new AuthenticationRequiredException(
                            "Gmail refused the credentials for " + transport.user() + "; a new login is needed");
                }
                log.info("{}: Gmail batch got HTTP 401, refreshing the access token", mailboxKey);
                refreshed = true;
                rejected = token;
                continue;
            }
            if (status != 200) {
                log.info("{}: Gmail batch of {} got HTTP {}; fetching them one by one", mailboxKey, ids.size(),
                        status);
                return null;
            }
            try {
                return parseResponse(contentType, answer);
            } catch (MalformedGmailResponse e) {
                log.info("{}: {}; fetching the batch one by one", mailboxKey, e.getMessage());
                return null;
            }
        }
    }

    static byte[] requestBody(List<String> ids, String boundary) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < ids.size(); i++) {
            b.append("--").append(boundary).append("\r\n")
                    .append("Content-Type: application/http\r\n")
                    .append("Content-ID: <").append(ITEM_PREFIX).append(i + 1).append(">\r\n")
                    .append("\r\n")
                    .append("GET /gmail/v1/users/me/messages/").append(pathSegment(ids.get(i)))
                    .append("?format=raw\r\n")
                    .append("\r\n");
        }
        b.append("--").append(boundary).append("--\r\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Percent-encodes everything but RFC 3986 unreserved characters (Gmail ids are hex). */
    static String pathSegment(String id) {
        StringBuilder out = new StringBuilder();
        for (byte c : id.getBytes(StandardCharsets.UTF_8)) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c & 0xff));
            }
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- response

    /**
     * Splits a multipart/mixed batch answer into its inner responses, keyed by the request's
     * Content-ID ({@code response-item-3} becomes {@code item-3}); a part without one is keyed
     * by its position.
     */
    static Map<String, Part> parseResponse(String contentType, byte[] body) throws MalformedGmailResponse {
        String call = "batch";
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/mixed")) {
            throw new MalformedGmailResponse(call, "answer is " + contentType + ", not multipart/mixed");
        }
        Matcher bm = BOUNDARY.matcher(contentType);
        if (!bm.find()) {
            throw new MalformedGmailResponse(call, "no boundary in " + contentType);
        }
        byte[] delimiter = ("--" + (bm.group(1) != null ? bm.group(1) : bm.group(2))).getBytes(StandardCharsets.UTF_8);
        Map<String, Part> parts = new LinkedHashMap<>();
        int pos = indexOf(body, delimiter, 0);
        int n = 0;
        while (pos >= 0) {
            int start = pos + delimiter.length;
            if (startsWith(body, start, "--")) {
                return parts; // the closing delimiter
            }
            int next = indexOf(body, delimiter, start);
            if (next < 0) {
                throw new MalformedGmailResponse(call, "part " + (n + 1) + " has no closing boundary");
            }
            n++;
            int from = skipLineEnd(body, start);
            int to = next;
            // The CRLF before a delimiter belongs to the delimiter.
            if (to > from && body[to - 1] == '\n') {
                to--;
                if (to > from && body[to - 1] == '\r') {
                    to--;
                }
            }
            Map<String, String> outer = new HashMap<>();
            int inner = readHeaders(body, from, to, outer, null);
            String[] statusLine = new String[1];
            Map<String, String> innerHeaders = new HashMap<>();
            int content = readHeaders(body, inner, to, innerHeaders, statusLine);
            Matcher sm = statusLine[0] == null ? null : STATUS_LINE.matcher(statusLine[0]);
            if (sm == null || !sm.matches()) {
                throw new MalformedGmailResponse(call, "part " + n + " has no HTTP status line");
            }
            int end = to;
            String length = innerHeaders.get("content-length");
            if (length != null) {
                try {
                    long l = Long.parseLong(length.trim());
                    if (l >= 0 && l <= to - content) {
                        end = content + (int) l;
                    }
                } catch (NumberFormatException e) {
                    // keep the part's end
                }
            }
            byte[] partBody = java.util.Arrays.copyOfRange(body, content, end);
            String id = outer.get("content-id");
            String key = id == null ? ITEM_PREFIX + n : contentIdKey(id);
            parts.put(key, new Part(Integer.parseInt(sm.group(1)), innerHeaders, partBody));
            pos = next;
        }
        if (n == 0) {
            throw new MalformedGmailResponse(call, "no parts");
        }
        throw new MalformedGmailResponse(call, "no closing boundary");
    }

    private static String contentIdKey(String contentId) {
        String id = contentId.trim();
        if (id.startsWith("<") && id.endsWith(">")) {
            id = id.substring(1, id.length() - 1);
        }
        return id.startsWith("response-") ? id.substring("response-".length()) : id;
    }

    /**
     * Reads header lines from {@code from} up to a blank line; the first line goes to
     * {@code firstLine[0]} when given. Returns the offset after the blank line (or {@code to}).
     */
    private static int readHeaders(byte[] b, int from, int to, Map<String, String> into, String[] firstLine) {
        int pos = from;
        boolean first = firstLine != null;
        // Blank lines before an inner status line are tolerated.
        while (first && pos < to && (b[pos] == '\r' || b[pos] == '\n')) {
            pos++;
        }
        while (pos < to) {
            int eol = pos;
            while (eol < to && b[eol] != '\n') {
                eol++;
            }
            int lineEnd = eol > pos && b[eol - 1] == '\r' ? eol - 1 : eol;
            String line = new String(b, pos, lineEnd - pos, StandardCharsets.ISO_8859_1);
            pos = Math.min(to, eol + 1);
            if (line.isEmpty()) {
                return pos;
            }
            if (first) {
                firstLine[0] = line;
                first = false;
                continue;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                into.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        return to;
    }

    private static int skipLineEnd(byte[] b, int pos) {
        // Transport padding (spaces, tabs) may follow a delimiter before its line break.
        while (pos < b.length && (b[pos] == ' ' || b[pos] == '\t')) {
            pos++;
        }
        if (pos < b.length && b[pos] == '\r') {
            pos++;
        }
        if (pos < b.length && b[pos] == '\n') {
            pos++;
        }
        return pos;
    }

    private static boolean startsWith(byte[] b, int pos, String s) {
        if (pos + s.length() > b.length) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (b[pos + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, byte[] needle, int from) {
        outer:
        for (int i = from; i <= b.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (b[i + j] != needle[j]) {
                    continue outer;
                }
            }
            // A delimiter starts a line.
            if (i == 0 || b[i - 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The ids in groups of at most {@code size}, in order. */
    static List<List<String>> groups(List<String> ids, int size) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i += size) {
            out.add(List.copyOf(ids.subList(i, Math.min(ids.size(), i + size))));
        }
        return out;
    }
}
