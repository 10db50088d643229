package dev.cms.fakecloud;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** One HTTP answer, built by a half before anything is written to the socket. */
record Response(int status, Map<String, String> headers, byte[] body) implements LoopbackServer.Answer {

    /** Gson without HTML escaping: base64 padding must stay {@code =}, not {@code \u003d}. */
    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    static final String JSON = "application/json; charset=UTF-8";

    static Response json(int status, JsonElement body) {
        return bytes(status, JSON, GSON.toJson(body).getBytes(StandardCharsets.UTF_8));
    }

    static Response bytes(int status, String contentType, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", contentType);
        return new Response(status, headers, body);
    }

    static Response empty(int status) {
        return new Response(status, new LinkedHashMap<>(), new byte[0]);
    }

    static Response text(int status, String text) {
        return bytes(status, "text/plain; charset=UTF-8", text.getBytes(StandardCharsets.UTF_8));
    }

    Response withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new Response(status, copy, body);
    }

    /**
     * Google's error body for its REST APIs:
     * {@code {"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}}.
     */
    static Response googleError(int code, String reason, String message) {
        JsonObject detail = new JsonObject();
        detail.addProperty("message", message);
        detail.addProperty("domain", "global");
        detail.addProperty("reason", reason);
        JsonArray errors = new JsonArray();
        errors.add(detail);
        JsonObject error = new JsonObject();
        error.addProperty("code", code);
        error.addProperty("message", message);
        error.add("errors", errors);
        error.addProperty("status", googleStatus(code));
        JsonObject root = new JsonObject();
        root.add("error", error);
        return json(code, root);
    }

    /** A Google error for an injected fault with this HTTP status. */
    static Response googleError(int code) {
        switch (code) {
            case 400: return googleError(code, "badRequest", "Bad Request");
            case 401: return googleError(code, "authError", "Invalid Credentials");
            case 403: return googleError(code, "forbidden", "Forbidden");
            case 404: return googleError(code, "notFound", "Requested entity was not found.");
            case 429: return googleError(code, "rateLimitExceeded", "Too many concurrent requests for user");
            case 503: return googleError(code, "backendError", "The service is currently unavailable.");
            default: return googleError(code, "backendError", "Backend Error");
        }
    }

    static String googleStatus(int code) {
        switch (code) {
            case 400: return "INVALID_ARGUMENT";
            case 401: return "UNAUTHENTICATED";
            case 403: return "PERMISSION_DENIED";
            case 404: return "NOT_FOUND";
            case 409: return "ABORTED";
            case 429: return "RESOURCE_EXHAUSTED";
            case 501: return "UNIMPLEMENTED";
            case 503: return "UNAVAILABLE";
            case 504: return "DEADLINE_EXCEEDED";
            default: return code >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
        }
    }

    /** An OAuth2 token endpoint error (RFC 6749 §5.2), as Google's token endpoint answers. */
    static Response oauthError(int status, String error, String description) {
        JsonObject root = new JsonObject();
        root.addProperty("error", error);
        root.addProperty("error_description", description);
        return json(status, root);
    }
}
