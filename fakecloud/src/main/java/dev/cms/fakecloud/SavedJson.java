package dev.cms.fakecloud;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Small conversions for the saved state of the fake cloud. */
final class SavedJson {
    private SavedJson() {}

    static JsonArray strings(Collection<String> values) {
        JsonArray a = new JsonArray();
        for (String v : new TreeSet<>(values)) {
            a.add(v);
        }
        return a;
    }

    static JsonArray orderedStrings(Collection<String> values) {
        JsonArray a = new JsonArray();
        values.forEach(a::add);
        return a;
    }

    static Set<String> stringSet(JsonArray a) {
        return Set.copyOf(stringList(a));
    }

    static List<String> stringList(JsonArray a) {
        List<String> out = new java.util.ArrayList<>();
        for (JsonElement e : a) {
            out.add(e.getAsString());
        }
        return out;
    }
}
