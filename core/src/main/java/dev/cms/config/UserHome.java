package dev.cms.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * The user's home directory as the shell sees it: {@code $HOME}, falling back to the JVM's
 * {@code user.home} (which comes from the password database and ignores {@code HOME=...}).
 */
public final class UserHome {
    private UserHome() {}

    /** The home directory of this process. */
    public static Path get() {
        return of(System.getenv(), System.getProperty("user.home"));
    }

    /** {@code HOME} from {@code env} when set and absolute, else {@code fallback}. */
    public static Path of(Map<String, String> env, String fallback) {
        String home = env.get("HOME");
        if (home != null && !home.isBlank()) {
            Path p = Path.of(home);
            if (p.isAbsolute()) {
                return p;
            }
        }
        return Path.of(fallback);
    }
}
