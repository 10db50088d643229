package dev.cms.auth;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * One answer of the {@link LoginServer}'s pages (a page, a redirect), and reading and writing
 * the exchange it answers: bounded request bodies, and headers that keep a page holding a login
 * out of caches, frames and referrers.
 */
record LoginResponse(int status, @Nullable String location, String html, @Nullable String allow) {
    static LoginResponse page(int status, String title, String bodyHtml) {
        return new LoginResponse(status, null, Html.page(title, bodyHtml), null);
    }

    static LoginResponse redirect(URI to) {
        String target = to.toASCIIString();
        return new LoginResponse(302, target, Html.page("Redirecting",
                "<p><a href=\"" + Html.escape(target) + "\">Continue</a></p>"), null);
    }

    static LoginResponse badRequest(String why) {
        return page(400, "Bad request", Html.paragraph(why));
    }

    /** Writes this answer, with headers that keep it out of caches, frames and referrers. */
    void send(HttpExchange exchange) throws IOException {
        byte[] body = html.getBytes(StandardCharsets.UTF_8);
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", "text/html; charset=utf-8");
        headers.set("Cache-Control", "no-store");
        headers.set("Referrer-Policy", "no-referrer");
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("X-Frame-Options", "DENY");
        headers.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        if (location != null) {
            headers.set("Location", location);
        }
        if (allow != null) {
            headers.set("Allow", allow);
        }
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** The body, or null when it is longer than a login reply can be. */
    static byte @Nullable [] readBody(InputStream in) throws IOException {
        byte[] body = in.readNBytes(FormParams.MAX_LENGTH + 1);
        return body.length > FormParams.MAX_LENGTH ? null : body;
    }

    /**
     * Reads what is left of the request body (up to a bound) so that the answer reaches the
     * browser instead of a connection reset; a larger body does get the reset.
     */
    static void drain(InputStream in) throws IOException {
        long left = 1024 * 1024;
        byte[] buffer = new byte[8192];
        int n;
        while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
            left -= n;
        }
    }
}
