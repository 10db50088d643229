package dev.cms.fakecloud;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** One answer of the Microsoft fake, built before anything is written to the socket. */
record FakeMicrosoftResponse(int status, Map<String, String> headers, byte[] body) implements LoopbackServer.Answer {

    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    static final String JSON = "application/json; charset=utf-8";

    static FakeMicrosoftResponse json(int status, JsonElement body) {
        return bytes(status, JSON, GSON.toJson(body).getBytes(StandardCharsets.UTF_8));
    }

    static FakeMicrosoftResponse bytes(int status, String contentType, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", contentType);
        return new FakeMicrosoftResponse(status, headers, body);
    }

    static FakeMicrosoftResponse empty(int status) {
        return new FakeMicrosoftResponse(status, new LinkedHashMap<>(), new byte[0]);
    }

    FakeMicrosoftResponse withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new FakeMicrosoftResponse(status, copy, body);
    }

    /** The same answer with its body cut in half: a malformed-JSON fault. */
    FakeMicrosoftResponse truncated() {
        byte[] half = body.length < 4 ? new byte[] {'{', '"'} : Arrays.copyOf(body, body.length / 2);
        return new FakeMicrosoftResponse(200, headers, half);
    }

    /** Graph's error body: {@code {"error":{"code","message","innerError":{"date","request-id"}}}}. */
    static FakeMicrosoftResponse graphError(int status, String code, String message) {
        JsonObject inner = new JsonObject();
        inner.addProperty("date", Instant.now().toString());
        inner.addProperty("request-id", UUID.randomUUID().toString());
        JsonObject error = new JsonObject();
        error.addProperty("code", code);
        error.addProperty("message", message);
        error.add("innerError", inner);
        JsonObject root = new JsonObject();
        root.add("error", error);
        return json(status, root);
    }

    /** The Graph error for an injected fault with this status. */
    static FakeMicrosoftResponse graphError(int status) {
        switch (status) {
            case 400: return graphError(status, "BadRequest", "Injected fault: bad request.");
            case 401: return graphError(status, "InvalidAuthenticationToken", "Injected fault: token rejected.");
            case 403: return graphError(status, "ErrorAccessDenied", "Injected fault: access is denied.");
            case 404: return graphError(status, "ErrorItemNotFound", "Injected fault: item not found.");
            case 429: return graphError(status, "ApplicationThrottled", "Injected fault: too many requests.");
            case 503: return graphError(status, "ServiceUnavailable", "Injected fault: service unavailable.");
            case 504: return graphError(status, "GatewayTimeout", "Injected fault: gateway timeout.");
            default: return graphError(status, status >= 500 ? "InternalServerError" : "BadRequest",
                    "Injected fault: HTTP " + status + ".");
        }
    }

    /**
     * The identity platform's error body: {@code error}, {@code error_description} starting with
     * the AADSTS code, {@code error_codes}, {@code timestamp}, {@code trace_id}, {@code correlation_id}.
     */
    static FakeMicrosoftResponse oauthError(int status, String error, int aadsts, String description) {
        String trace = UUID.randomUUID().toString();
        String correlation = UUID.randomUUID().toString();
        String now = Instant.now().toString();
        JsonObject root = new JsonObject();
        root.addProperty("error", error);
        root.addProperty("error_description", "AADSTS" + aadsts + ": " + description + "\r\nTrace ID: " + trace
                + "\r\nCorrelation ID: " + correlation + "\r\nTimestamp: " + now);
        com.google.gson.JsonArray codes = new com.google.gson.JsonArray();
        codes.add(aadsts);
        root.add("error_codes", codes);
        root.addProperty("timestamp", now);
        root.addProperty("trace_id", trace);
        root.addProperty("correlation_id", correlation);
        return json(status, root);
    }
}
