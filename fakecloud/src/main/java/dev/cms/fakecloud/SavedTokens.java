package dev.cms.fakecloud;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Issued tokens in the saved state of the fake cloud: refresh grants, which each identity half
 * keeps in its own record, and access tokens ({@link TokenInfo}). Both halves save them in the
 * same shape: {@code {"refresh": {token: {<account key>, clientId, scopes}}, "access": {...}}}.
 */
final class SavedTokens {
    private SavedTokens() {}

    /**
     * A refresh grant as saved.
     *
     * @param account the account's address (a Google email or a Microsoft UPN)
     * @param scopes in the order they are saved
     */
    record Grant(String account, String clientId, List<String> scopes) { }

    /** Adds {@code refresh} and {@code access} to {@code o}; {@code accountKey} names the account field. */
    static <G> void save(JsonObject o, String accountKey, Map<String, G> refreshTokens, Function<G, Grant> grant,
                         Map<String, TokenInfo> accessTokens) {
        JsonObject refresh = new JsonObject();
        refreshTokens.forEach((token, g) -> {
            Grant saved = grant.apply(g);
            JsonObject j = new JsonObject();
            j.addProperty(accountKey, saved.account());
            j.addProperty("clientId", saved.clientId());
            j.add("scopes", SavedJson.orderedStrings(saved.scopes()));
            refresh.add(token, j);
        });
        o.add("refresh", refresh);
        o.add("access", save(accessTokens));
    }

    /** Replaces the contents of both maps with what {@link #save(JsonObject, String, Map, Function, Map)} saved. */
    static <G> void restore(JsonObject o, String accountKey, Map<String, G> refreshTokens, Function<Grant, G> grant,
                            Map<String, TokenInfo> accessTokens) {
        refreshTokens.clear();
        for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("refresh").entrySet()) {
            JsonObject j = e.getValue().getAsJsonObject();
            refreshTokens.put(e.getKey(), grant.apply(new Grant(j.get(accountKey).getAsString(),
                    j.get("clientId").getAsString(), List.copyOf(SavedJson.stringList(j.getAsJsonArray("scopes"))))));
        }
        accessTokens.clear();
        accessTokens.putAll(restore(o.getAsJsonObject("access")));
    }

    static JsonObject save(Map<String, TokenInfo> tokens) {
        JsonObject o = new JsonObject();
        tokens.forEach((token, info) -> {
            JsonObject j = new JsonObject();
            j.addProperty("email", info.email());
            j.addProperty("clientId", info.clientId());
            j.add("scopes", SavedJson.strings(info.scopes()));
            j.addProperty("expiresAt", info.expiresAt().toString());
            o.add(token, j);
        });
        return o;
    }

    static Map<String, TokenInfo> restore(JsonObject o) {
        Map<String, TokenInfo> out = new HashMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            JsonObject j = e.getValue().getAsJsonObject();
            out.put(e.getKey(), new TokenInfo(j.get("email").getAsString(), j.get("clientId").getAsString(),
                    SavedJson.stringSet(j.getAsJsonArray("scopes")), Instant.parse(j.get("expiresAt").getAsString())));
        }
        return out;
    }
}
