package dev.cms.demo;

import dev.cms.auth.LoginCoordinator;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's stand-in for a person at a browser: it opens the login page and follows its
 * redirects through the fake services' consent pages and back, submitting an auto-posting
 * form where a page has one. It talks only to the loopback fake services.
 */
final class DemoBrowser implements LoginCoordinator.Browser {
    private static final Logger log = LoggerFactory.getLogger(DemoBrowser.class);
    private static final Pattern FORM = Pattern.compile("<form[^>]*action=\"([^\"]+)\"", Pattern.CASE_INSENSITIVE);
    private static final Pattern INPUT = Pattern.compile(
            "<input[^>]*name=\"([^\"]+)\"[^>]*value=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);

    private final HttpClient http;

    DemoBrowser(javax.net.ssl.SSLContext ssl) {
        HttpClient.Builder b = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.ALWAYS)
                .connectTimeout(Duration.ofSeconds(10));
        if (ssl != null) {
            b.sslContext(ssl);
        }
        this.http = b.build();
    }

    @Override
    public void open(URI home) {
        Thread t = new Thread(() -> {
            try {
                browse(home);
            } catch (IOException e) {
                log.warn("the demo browser failed: {}", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "demo-browser");
        t.setDaemon(true);
        t.start();
    }

    private void browse(URI home) throws IOException, InterruptedException {
        log.info("demo: a scripted browser opens {} and approves the login", home);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(home).timeout(Duration.ofMinutes(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        for (int forms = 0; forms < 10; forms++) {
            Matcher f = FORM.matcher(r.body());
            if (!f.find()) {
                return;
            }
            Map<String, String> fields = new LinkedHashMap<>();
            Matcher in = INPUT.matcher(r.body());
            while (in.find()) {
                fields.put(unescape(in.group(1)), unescape(in.group(2)));
            }
            StringJoiner body = new StringJoiner("&");
            fields.forEach((k, v) -> body.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(v, StandardCharsets.UTF_8)));
            URI action = r.uri().resolve(unescape(f.group(1)));
            r = http.send(HttpRequest.newBuilder(action).timeout(Duration.ofMinutes(2))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static String unescape(String s) {
        return s.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">");
    }
}
