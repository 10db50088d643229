package dev.cms.fakecloud;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** Access tokens ({@link TokenInfo}) in the saved state of the fake cloud. */
final class SavedTokens {
    private SavedTokens() {}

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
