package dev.cms.auth;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/** Secrets kept only in this process: used when no storage key is available. */
final class MemoryTokenStore implements TokenStore {
    private final Map<String, String> secrets = new ConcurrentHashMap<>();

    @Override
    public @Nullable String load(String account) {
        return secrets.get(Objects.requireNonNull(account, "account"));
    }

    @Override
    public void save(String account, String secret) {
        secrets.put(Objects.requireNonNull(account, "account"), Objects.requireNonNull(secret, "secret"));
    }

    @Override
    public void delete(String account) {
        secrets.remove(Objects.requireNonNull(account, "account"));
    }

    @Override
    public boolean persistent() {
        return false;
    }
}
