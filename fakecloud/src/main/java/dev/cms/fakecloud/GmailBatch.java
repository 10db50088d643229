package dev.cms.fakecloud;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Google's HTTP batch ({@code POST /batch/gmail/v1}): a multipart/mixed body whose parts are
 * {@code application/http} requests. Each part is dispatched as a request of its own (faults,
 * log and all) and answered in a multipart/mixed response, in order, with
 * {@code Content-ID: response-<id>}. A part without an Authorization header inherits the
 * envelope's.
 */
final class GmailBatch {

    static final int MAX_PARTS = 100;
    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?");

    /** Dispatches one part through the whole fake cloud (faults, halves, log). */
    interface PartDispatcher {
        Response dispatch(Request part);
    }

    private final Random random = new Random();

    Response handle(Request envelope, PartDispatcher dispatcher) {
        String contentType = envelope.header("Content-Type");
        Matcher m = contentType == null ? null : BOUNDARY.matcher(contentType);
        if (m == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/mixed") || !m.find()) {
            return Response.googleError(400, "badRequest", "Batch requests need a multipart/mixed body with a boundary");
        }
        List<String> parts = split(envelope.bodyText(), m.group(1));
        if (parts.isEmpty()) {
            return Response.googleError(400, "badRequest", "Batch request has no parts");
        }
        if (parts.size() > MAX_PARTS) {
            return Response.googleError(400, "badRequest",
                    "A batch holds at most " + MAX_PARTS + " requests, got " + parts.size());
        }
        String boundary;
        synchronized (random) {
            boundary = "batch_fake" + Long.toHexString(random.nextLong());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = 0;
        for (String part : parts) {
            n++;
            String[] headerAndBody = splitAtBlankLine(part);
            Map<String, String> partHeaders = headers(headerAndBody[0]);
            String contentId = partHeaders.getOrDefault("content-id", "<" + n + ">");
            Response answer;
            try {
                answer = dispatcher.dispatch(innerRequest(headerAndBody[1], envelope));
            } catch (IllegalArgumentException e) {
                answer = Response.googleError(400, "badRequest", "Malformed batch part " + n + ": " + e.getMessage());
            }
            write(out, "--" + boundary + "\r\nContent-Type: application/http\r\nContent-ID: "
                    + responseId(contentId) + "\r\n\r\n");
            write(out, "HTTP/1.1 " + answer.status() + " " + reason(answer.status()) + "\r\n");
            for (Map.Entry<String, String> h : answer.headers().entrySet()) {
                write(out, h.getKey() + ": " + h.getValue() + "\r\n");
            }
            write(out, "Content-Length: " + answer.body().length + "\r\n\r\n");
            out.writeBytes(answer.body());
            write(out, "\r\n");
        }
        write(out, "--" + boundary + "--\r\n");
        return Response.bytes(200, "multipart/mixed; boundary=" + boundary, out.toByteArray());
    }

    private static Request innerRequest(String http, Request envelope) {
        String[] headAndBody = splitAtBlankLine(http);
        String[] lines = headAndBody[0].split("\r?\n");
        String[] requestLine = lines[0].trim().split(" ");
        if (requestLine.length < 2) {
            throw new IllegalArgumentException("no request line in part: " + lines[0]);
        }
        URI target = URI.create(requestLine[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).trim());
            }
        }
        if (headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Authorization"))
                && envelope.header("Authorization") != null) {
            headers.put("Authorization", List.of(envelope.header("Authorization")));
        }
        String path = target.getPath();
        if (path == null || !path.startsWith(GmailApi.PREFIX)) {
            throw new IllegalArgumentException("only Gmail API requests may be batched here, got " + requestLine[1]);
        }
        byte[] body = headAndBody[1].strip().getBytes(StandardCharsets.UTF_8);
        return Request.of(requestLine[0], path, target.getRawQuery(), headers, body);
    }

    private static List<String> split(String body, String boundary) {
        List<String> parts = new ArrayList<>();
        String delimiter = "--" + boundary;
        int pos = body.indexOf(delimiter);
        while (pos >= 0) {
            int start = pos + delimiter.length();
            if (body.startsWith("--", start)) {
                break;
            }
            int next = body.indexOf(delimiter, start);
            if (next < 0) {
                break;
            }
            parts.add(body.substring(start, next).replaceFirst("^\r?\n", "").replaceFirst("\r?\n$", ""));
            pos = next;
        }
        return parts;
    }

    private static String[] splitAtBlankLine(String text) {
        Matcher m = Pattern.compile("\r?\n\r?\n").matcher(text);
        return m.find() ? new String[] {text.substring(0, m.start()), text.substring(m.end())}
                : new String[] {text, ""};
    }

    private static Map<String, String> headers(String block) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : block.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                out.put(line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        return out;
    }

    private static String responseId(String contentId) {
        String id = contentId.startsWith("<") && contentId.endsWith(">")
                ? contentId.substring(1, contentId.length() - 1) : contentId;
        return "<response-" + id + ">";
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String reason(int status) {
        switch (status) {
            case 200: return "OK";
            case 204: return "No Content";
            case 400: return "Bad Request";
            case 401: return "Unauthorized";
            case 403: return "Forbidden";
            case 404: return "Not Found";
            case 429: return "Too Many Requests";
            case 500: return "Internal Server Error";
            case 503: return "Service Unavailable";
            default: return "Status";
        }
    }
}
